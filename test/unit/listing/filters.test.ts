import {describe, expect, it} from 'vitest'
import {wordError} from '../../../src/cli/error-wording.js'
import {UsageError} from '../../../src/core/errors.js'
import {type FilterSubject, matchesFilters, needsState, parseFilters} from '../../../src/core/listing/filters.js'

const machine = (overrides: Partial<FilterSubject> = {}): FilterSubject => ({
  name: 'm1', driver: 'virtualbox', state: 'Running', labels: ['provider=virtualbox', 'env=Prod'], swarm: '', ...overrides,
})

const matches = async (filters: string[], subject: FilterSubject = machine()): Promise<boolean> => matchesFilters(await parseFilters(filters), subject)

describe('parseFilters', () => {
  it('accepts the five keys in any case', async () => {
    const filters = await parseFilters(['DRIVER=generic', 'State=Running', 'name=^web', 'label=env=prod', 'swarm=master', 'Driver=none'])
    expect(filters.driver).toEqual(['generic', 'none'])
    expect(filters.state).toEqual(['Running'])
    expect(filters.name.map((pattern) => pattern.source)).toEqual(['^web'])
    expect(filters.label).toEqual([{key: 'env', value: 'prod'}])
    expect(filters.swarm).toEqual(['master'])
  })

  it('keeps everything after the first = as the value', async () => {
    expect((await parseFilters(['label=a=b=c'])).label).toEqual([{key: 'a', value: 'b=c'}])
    expect((await parseFilters(['driver='])).driver).toEqual([''])
  })

  it('rejects an unknown key, naming it and listing the keys', async () => {
    await expect(parseFilters(['foo=bar'])).rejects.toThrow(UsageError)
    await expect(parseFilters(['foo=bar'])).rejects.toThrow('Unsupported filter key \'foo\'.')
    const error = await parseFilters(['Foo=bar']).catch((caught: unknown) => caught as UsageError)
    expect(error).toBeInstanceOf(UsageError)
    expect((error as UsageError).message).toBe('Unsupported filter key \'Foo\'.')
    expect(wordError(error as UsageError).hint).toBe('Filter keys: driver, state, name, label, swarm.')
  })

  it('rejects a filter without =', async () => {
    await expect(parseFilters(['running'])).rejects.toThrow('Unsupported filter syntax \'running\': use key=value.')
  })

  it('rejects an invalid name pattern, naming it in Go\'s words', async () => {
    await expect(parseFilters(['name=web('])).rejects.toThrow('Invalid regular expression in filter \'name=web(\': missing closing ): `web(`.')
    // Go's regexp has no backreferences or lookaround, and neither has the name filter.
    await expect(parseFilters(['name=(a)\\1'])).rejects.toThrow('invalid escape sequence: `\\1`')
    await expect(parseFilters(['name=a(?=b)'])).rejects.toThrow('Invalid regular expression in filter \'name=a(?=b)\'')
  })

  it('cuts a long filter in its message and spells out control characters', async () => {
    const error = await parseFilters([`${'k'.repeat(100_000)}=v`]).catch((caught: unknown) => caught as UsageError)
    expect((error as UsageError).message).toBe(`Unsupported filter key '${'k'.repeat(80)}…' (100000 characters).`)
    await expect(parseFilters(['\u001b[31mcolour=red'])).rejects.toThrow('Unsupported filter key \'\\x1b[31mcolour\'.')
  })
})

describe('matchesFilters', () => {
  it('matches everything without filters', async () => {
    expect(await matches([])).toBe(true)
  })

  it('compares driver, state and swarm without regard to case', async () => {
    expect(await matches(['driver=VirtualBox'])).toBe(true)
    expect(await matches(['driver=generic'])).toBe(false)
    expect(await matches(['state=running'])).toBe(true)
    expect(await matches(['state=stopped'])).toBe(false)
    expect(await matches(['swarm=Master'], machine({swarm: 'master'}))).toBe(true)
    expect(await matches(['swarm=master'])).toBe(false)
  })

  it('treats the name as an unanchored, case-sensitive regular expression', async () => {
    expect(await matches(['name=m1'], machine({name: 'm10'}))).toBe(true)
    expect(await matches(['name=m1'], machine({name: 'M1'}))).toBe(false)
    expect(await matches(['name=^m1$'], machine({name: 'm10'}))).toBe(false)
    expect(await matches(['name=1'], machine({name: 'web-1'}))).toBe(true)
  })

  it('accepts Go\'s leading flag group', async () => {
    expect(await matches(['name=(?i)^m1$'], machine({name: 'M1'}))).toBe(true)
  })

  it('matches a pathological pattern in linear time, as Go\'s regexp does', async () => {
    // JavaScript's backtracking RegExp takes longer than the age of the universe over this name.
    const filters = await parseFilters(['name=(a+)+$', 'name=(x|x)*y'])
    const started = performance.now()
    expect(matchesFilters(filters, machine({name: `${'a'.repeat(63)}-`}))).toBe(false)
    expect(matchesFilters(filters, machine({name: 'x'.repeat(63)}))).toBe(false)
    expect(matchesFilters(filters, machine({name: 'aaa'}))).toBe(true)
    expect(performance.now() - started).toBeLessThan(100)
  })

  it('matches a label\'s key exactly and its value in any case', async () => {
    expect(await matches(['label=env=prod'])).toBe(true)
    expect(await matches(['label=ENV=prod'])).toBe(false)
    expect(await matches(['label=env=dev'])).toBe(false)
    expect(await matches(['label=env'])).toBe(true)
    expect(await matches(['label=missing'])).toBe(false)
    expect(await matches(['label=flag='], machine({labels: ['flag']}))).toBe(true)
  })

  it('ORs values of one key and ANDs different keys', async () => {
    expect(await matches(['driver=generic', 'driver=virtualbox'])).toBe(true)
    expect(await matches(['driver=generic', 'driver=none'])).toBe(false)
    expect(await matches(['driver=virtualbox', 'state=Stopped'])).toBe(false)
    expect(await matches(['driver=virtualbox', 'state=Stopped', 'state=Running'])).toBe(true)
    expect(await matches(['name=^m', 'name=^x', 'label=env=prod', 'driver=VIRTUALBOX'])).toBe(true)
    expect(await matches(['name=^x', 'label=env=prod'])).toBe(false)
  })
})

describe('needsState', () => {
  it('is true only with a state filter', async () => {
    expect(needsState(await parseFilters([]))).toBe(false)
    expect(needsState(await parseFilters(['driver=none', 'name=x', 'label=a=b', 'swarm=s']))).toBe(false)
    expect(needsState(await parseFilters(['STATE=Running']))).toBe(true)
  })
})
