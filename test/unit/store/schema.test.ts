import {describe, expect, it} from 'vitest'
import {CONFIG_VERSION, MIGRATIONS, Migration, migrateConfig, parseConfig} from '../../../src/core/store/schema.js'
import {sampleConfig} from './helpers.js'

function raw(value: unknown): Record<string, unknown> {
  return JSON.parse(JSON.stringify(value)) as Record<string, unknown>
}

describe('migrateConfig', () => {
  it('passes a current config through unchanged, reporting no migration', () => {
    const config = raw(sampleConfig('m1'))
    expect(migrateConfig(config)).toEqual({ok: true, config, migrated: false})
  })

  it('has a migration for every version before the current one', () => {
    expect(CONFIG_VERSION).toBeGreaterThanOrEqual(1)
    for (let version = 1; version < CONFIG_VERSION; version++) {
      expect(MIGRATIONS.filter((migration) => migration.from === version), `from ${version}`).toHaveLength(1)
    }
    expect(MIGRATIONS.every((migration) => migration.from >= 1 && migration.from < CONFIG_VERSION)).toBe(true)
  })

  it('refuses a config written by a newer berth, with a hint to upgrade', () => {
    const result = migrateConfig({...raw(sampleConfig('m1')), version: CONFIG_VERSION + 98})
    expect(result.ok).toBe(false)
    if (result.ok) return
    expect(result.reason).toContain(`version ${CONFIG_VERSION + 98}`)
    expect(result.reason).toContain('newer berth')
    expect(result.reason).toContain(`reads up to ${CONFIG_VERSION}`)
    expect(result.newer).toBe(true)
  })

  it.each([
    ['missing', undefined, 'undefined'],
    ['a string', '1', '"1"'],
    ['zero', 0, '0'],
    ['negative', -1, '-1'],
    ['fractional', 1.5, '1.5'],
    ['null', null, 'null'],
  ])('refuses a version that is %s, quoting what it found', (_what, version, shown) => {
    const config: Record<string, unknown> = {name: 'm1'}
    if (version !== undefined) config.version = version
    const result = migrateConfig(config)
    expect(result).toEqual({ok: false, reason: `config.json has no valid "version" (found ${shown})`})
  })

  it.each([[null], [[]], ['text'], [3], [true]])('refuses %j, which is not a JSON object', (value) => {
    expect(migrateConfig(value)).toEqual({ok: false, reason: 'config.json does not hold a JSON object'})
  })

  it('applies a chain of migrations in order, each seeing the previous one\'s output', () => {
    const order: number[] = []
    const migrations: Migration[] = [
      // Deliberately listed out of order: the chain follows `from`, not the list.
      {from: 3, migrate: (config) => {
        order.push(3)
        return {...config, steps: [...(config.steps as number[]), 3], seenVersion3: config.version}
      }},
      {from: 1, migrate: (config) => {
        order.push(1)
        const {oldName, ...rest} = config
        return {...rest, name: oldName, steps: [1]}
      }},
      {from: 2, migrate: (config) => {
        order.push(2)
        return {...config, steps: [...(config.steps as number[]), 2]}
      }},
    ]
    const result = migrateConfig({version: 1, oldName: 'm1'}, migrations, 4)
    expect(order).toEqual([1, 2, 3])
    expect(result).toEqual({ok: true, migrated: true, config: {version: 4, name: 'm1', steps: [1, 2, 3], seenVersion3: 3}})
  })

  it('starts the chain at the file\'s own version', () => {
    const migrations: Migration[] = [
      {from: 1, migrate: () => {
        throw new Error('must not run')
      }},
      {from: 2, migrate: (config) => ({...config, two: true})},
    ]
    expect(migrateConfig({version: 2}, migrations, 3)).toEqual({ok: true, migrated: true, config: {version: 3, two: true}})
  })

  it('does not change the object it was given', () => {
    const input = {version: 1, a: 1}
    migrateConfig(input, [{from: 1, migrate: (config) => ({...config, b: 2})}], 2)
    expect(input).toEqual({version: 1, a: 1})
  })

  it('refuses when a step of the chain is missing', () => {
    const result = migrateConfig({version: 1}, [{from: 1, migrate: (config) => config}], 3)
    expect(result).toEqual({ok: false, reason: 'no migration from config version 2'})
  })
})

describe('parseConfig', () => {
  it('accepts a complete config, with and without the optional parts', () => {
    const config = raw(sampleConfig('m1'))
    expect(parseConfig(config)).toEqual(config)
    const full = raw(sampleConfig('m1', {
      endpoint: {address: '10.0.0.5', url: 'tcp://10.0.0.5:2376'},
      ssh: {user: 'root', host: '10.0.0.5', port: 22, keyPath: 'machines/m1/id_ed25519'},
      resources: [{kind: 'instance', id: 'i-123', region: 'eu-1'}],
    }))
    expect(parseConfig(full)).toEqual(full)
  })

  it('lists every problem of a malformed config at once', () => {
    const result = parseConfig({
      version: 1,
      driver: {state: null},
      engine: {installUrl: 1, port: '2376', opts: 'x', env: [1], labels: [], insecureRegistries: [], registryMirrors: null, storageDriver: 2},
      auth: {},
      resources: [{kind: 'instance', id: 'i-1'}, {kind: 'key'}],
      endpoint: {address: '10.0.0.5'},
      ssh: {user: 'root', host: '10.0.0.5', port: '22', keyPath: 'k'},
    })
    expect(result).toBe('config.json is malformed: "name" is missing; "createdAt" is missing; "driver.name" is missing; "driver.state" is missing; '
      + '"engine.installUrl" is missing; "engine.port" is missing; "engine.opts" is not a list of strings; "engine.env" is not a list of strings; '
      + '"engine.registryMirrors" is not a list of strings; "engine.storageDriver" is not a string; "auth.sans" is not a list of strings; '
      + 'every entry of "resources" needs "kind" and "id"; "endpoint" needs "address" and "url"; "ssh" needs "user", "host", "port" and "keyPath"')
  })

  it('reports an object with nothing but a version part by part', () => {
    expect(parseConfig({version: 1})).toBe('config.json is malformed: "name" is missing; "createdAt" is missing; "driver" is missing; '
      + '"engine" is missing; "auth.sans" is not a list of strings; "resources" is not a list')
  })

  it.each([
    ['driver', {name: 'none'}, '"driver.state" is missing'],
    ['driver', {name: 'none', state: []}, '"driver.state" is missing'],
    ['driver', [], '"driver" is missing'],
    ['engine', null, '"engine" is missing'],
    ['auth', {sans: ['ok', 3]}, '"auth.sans" is not a list of strings'],
    ['resources', [null], 'every entry of "resources" needs "kind" and "id"'],
    ['resources', ['i-1'], 'every entry of "resources" needs "kind" and "id"'],
    ['endpoint', null, '"endpoint" needs "address" and "url"'],
    ['endpoint', 'tcp://x', '"endpoint" needs "address" and "url"'],
    ['ssh', null, '"ssh" needs "user", "host", "port" and "keyPath"'],
    ['ssh', {user: 'root', host: 'h', port: 22}, '"ssh" needs "user", "host", "port" and "keyPath"'],
  ])('reports %s = %j instead of failing on it', (key, value, problem) => {
    expect(parseConfig({...raw(sampleConfig('m1')), [key]: value})).toBe(`config.json is malformed: ${problem}`)
  })
})
