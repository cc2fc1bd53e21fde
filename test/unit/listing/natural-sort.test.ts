import {describe, expect, it} from 'vitest'
import {compareMachineNames} from '../../../src/core/listing/natural-sort.js'

const sorted = (names: string[]): string[] => [...names].sort(compareMachineNames)

describe('compareMachineNames', () => {
  it('orders numbers by value and everything else as text, like Docker Machine', () => {
    expect(sorted(['m10', 'm2', 'a-b', 'm1'])).toEqual(['a-b', 'm1', 'm2', 'm10'])
    expect(sorted(['web-10', 'web-9', 'web-1', 'db'])).toEqual(['db', 'web-1', 'web-9', 'web-10'])
    expect(sorted(['node1b', 'node1a', 'node1', 'node'])).toEqual(['node', 'node1', 'node1a', 'node1b'])
  })

  it('ignores case, as Docker Machine sorts lower-cased names', () => {
    expect(sorted(['b', 'A', 'C'])).toEqual(['A', 'b', 'C'])
  })

  it('keeps both of two names that differ only in case, in a fixed order (Docker Machine lost one)', () => {
    expect(sorted(['m1', 'M1', 'm10', 'a-b', 'm2'])).toEqual(['a-b', 'M1', 'm1', 'm2', 'm10'])
    expect(sorted(['M1', 'm1'])).toEqual(sorted(['m1', 'M1']))
    expect(compareMachineNames('m1', 'm1')).toBe(0)
  })

  it('compares long digit runs without overflow and orders leading zeros deterministically', () => {
    expect(sorted(['n100000000000000000001', 'n99999999999999999999'])).toEqual(['n99999999999999999999', 'n100000000000000000001'])
    expect(sorted(['m1', 'm01', 'm001'])).toEqual(['m001', 'm01', 'm1'])
  })
})
