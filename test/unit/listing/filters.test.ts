import {describe, expect, it} from 'vitest'
import {UsageError} from '../../../src/core/errors.js'
import {type FilterSubject, matchesFilters, needsState, parseFilters} from '../../../src/core/listing/filters.js'

const machine = (overrides: Partial<FilterSubject> = {}): FilterSubject => ({
  name: 'm1', driver: 'virtualbox', state: 'Running', labels: ['provider=virtualbox', 'env=Prod'], swarm: '', ...overrides,
})

const matches = (filters: string[], subject: FilterSubject = machine()): boolean => matchesFilters(parseFilters(filters), subject)

describe('parseFilters', () => {
  it('accepts the five keys in any case', () => {
    const filters = parseFilters(['DRIVER=generic', 'State=Running', 'name=^web', 'label=env=prod', 'swarm=master', 'Driver=none'])
    expect(filters.driver).toEqual(['generic', 'none'])
    expect(filters.state).toEqual(['Running'])
    expect(filters.name.map(String)).toEqual(['/^web/'])
    expect(filters.label).toEqual([{key: 'env', value: 'prod'}])
    expect(filters.swarm).toEqual(['master'])
  })

  it('keeps everything after the first = as the value', () => {
    expect(parseFilters(['label=a=b=c']).label).toEqual([{key: 'a', value: 'b=c'}])
    expect(parseFilters(['driver=']).driver).toEqual([''])
  })

  it('rejects an unknown key, naming it and listing the keys', () => {
    expect(() => parseFilters(['foo=bar'])).toThrow(UsageError)
    expect(() => parseFilters(['foo=bar'])).toThrow('Unsupported filter key \'foo\'.')
    try {
      parseFilters(['Foo=bar'])
    } catch (error) {
      expect((error as UsageError).message).toBe('Unsupported filter key \'Foo\'.')
      expect((error as UsageError).hint).toBe('Filter keys: driver, state, name, label, swarm.')
    }
  })

  it('rejects a filter without =', () => {
    expect(() => parseFilters(['running'])).toThrow('Unsupported filter syntax \'running\': use key=value.')
  })

  it('rejects an invalid name pattern, naming it', () => {
    expect(() => parseFilters(['name=web(']))
      .toThrow('Invalid regular expression in filter \'name=web(\': Unterminated group.')
  })
})

describe('matchesFilters', () => {
  it('matches everything without filters', () => {
    expect(matches([])).toBe(true)
  })

  it('compares driver, state and swarm without regard to case', () => {
    expect(matches(['driver=VirtualBox'])).toBe(true)
    expect(matches(['driver=generic'])).toBe(false)
    expect(matches(['state=running'])).toBe(true)
    expect(matches(['state=stopped'])).toBe(false)
    expect(matches(['swarm=Master'], machine({swarm: 'master'}))).toBe(true)
    expect(matches(['swarm=master'])).toBe(false)
  })

  it('treats the name as an unanchored, case-sensitive regular expression', () => {
    expect(matches(['name=m1'], machine({name: 'm10'}))).toBe(true)
    expect(matches(['name=m1'], machine({name: 'M1'}))).toBe(false)
    expect(matches(['name=^m1$'], machine({name: 'm10'}))).toBe(false)
    expect(matches(['name=1'], machine({name: 'web-1'}))).toBe(true)
  })

  it('accepts Go\'s leading flag group', () => {
    expect(matches(['name=(?i)^m1$'], machine({name: 'M1'}))).toBe(true)
  })

  it('matches a label\'s key exactly and its value in any case', () => {
    expect(matches(['label=env=prod'])).toBe(true)
    expect(matches(['label=ENV=prod'])).toBe(false)
    expect(matches(['label=env=dev'])).toBe(false)
    expect(matches(['label=env'])).toBe(true)
    expect(matches(['label=missing'])).toBe(false)
    expect(matches(['label=flag='], machine({labels: ['flag']}))).toBe(true)
  })

  it('ORs values of one key and ANDs different keys', () => {
    expect(matches(['driver=generic', 'driver=virtualbox'])).toBe(true)
    expect(matches(['driver=generic', 'driver=none'])).toBe(false)
    expect(matches(['driver=virtualbox', 'state=Stopped'])).toBe(false)
    expect(matches(['driver=virtualbox', 'state=Stopped', 'state=Running'])).toBe(true)
    expect(matches(['name=^m', 'name=^x', 'label=env=prod', 'driver=VIRTUALBOX'])).toBe(true)
    expect(matches(['name=^x', 'label=env=prod'])).toBe(false)
  })
})

describe('needsState', () => {
  it('is true only with a state filter', () => {
    expect(needsState(parseFilters([]))).toBe(false)
    expect(needsState(parseFilters(['driver=none', 'name=x', 'label=a=b', 'swarm=s']))).toBe(false)
    expect(needsState(parseFilters(['STATE=Running']))).toBe(true)
  })
})
