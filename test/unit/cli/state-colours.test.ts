/* eslint-disable no-control-regex -- a terminal's escape codes are what this reads */
import {describe, expect, it} from 'vitest'
import {painter} from '../../../src/cli/colour.js'
import {paintStates} from '../../../src/cli/state-colours.js'

const paint = painter(true)
const withoutColours = (text: string): string => text.replace(/\u001b\[[\d;]*m/g, '')

describe('paintStates', () => {
  const table = [
    'NAME       ACTIVE   DRIVER    STATE     URL',
    'web1       -        generic   Running   tcp://127.0.0.1:2376',
    '工作机     -        generic   Error     ',
    'Running    -        none      Stopped   tcp://127.0.0.1:2377',
    'web3       -        generic   …         ',
    '',
  ].join('\n')

  it('paints each row\'s STATE cell, found by its column, wide names included, and moves nothing', () => {
    const painted = paintStates(table, paint).split('\n')
    expect(painted[1]).toContain('\u001b[32mRunning\u001b[39m')
    expect(painted[2]).toContain('\u001b[31mError\u001b[39m')
    // A machine named like a state keeps its name as it is; its state is painted.
    expect(painted[3]).toMatch(/^Running {4}/)
    expect(painted[3]).toContain('\u001b[2mStopped\u001b[22m')
    expect(painted[4]).toBe('web3       -        generic   …         ')
    expect(withoutColours(painted.join('\n'))).toBe(table)
  })

  it('leaves a table without a STATE heading, and paints nothing without colour', () => {
    expect(paintStates('NAME  URL\nweb1  tcp://127.0.0.1:2376\n', paint)).toBe('NAME  URL\nweb1  tcp://127.0.0.1:2376\n')
    expect(paintStates(table, painter(false))).toBe(table)
  })
})
