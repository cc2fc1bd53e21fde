import {execFileSync} from 'node:child_process'
import {access, mkdir, readdir, readFile, stat, writeFile} from 'node:fs/promises'
import {join} from 'node:path'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'
import {InvalidMachineNameError, MachineConfigError, MachineExistsError, MachineNotFoundError} from '../../../src/core/errors.js'
import {StoreLayout} from '../../../src/core/store/layout.js'
import {MachineStore} from '../../../src/core/store/machine-store.js'
import {MachineConfig} from '../../../src/core/store/schema.js'
import {permissions, sampleConfig, tempDir} from './helpers.js'

let root: string
let cleanup: () => Promise<void>
let store: MachineStore

beforeEach(async () => {
  ({path: root, cleanup} = await tempDir())
  store = new MachineStore(new StoreLayout(join(root, 'store')))
})

afterEach(async () => {
  await cleanup()
})

async function caught(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(() => {
    throw new Error('expected a rejection')
  }, (error: unknown) => error)
}

async function present(path: string): Promise<boolean> {
  return access(path).then(() => true, () => false)
}

describe('MachineStore.create and load', () => {
  it('round-trips a config', async () => {
    const config = sampleConfig('m1', {
      endpoint: {address: '10.0.0.5', url: 'tcp://10.0.0.5:2376'},
      ssh: {user: 'root', host: '10.0.0.5', port: 22, keyPath: join('machines', 'm1', 'id_ed25519')},
      resources: [{kind: 'instance', id: 'i-1', zone: 'eu-1a'}],
    })
    await store.create(config)
    expect(await store.load('m1')).toEqual(config)
    expect(await store.exists('m1')).toBe(true)
    expect(await store.names()).toEqual(['m1'])
    expect(JSON.parse(await readFile(store.layout.machine('m1').config, 'utf8'))).toEqual(config)
  })

  it('makes directories 0700 and the config 0600, leaving nothing else behind', async () => {
    const previous = process.umask(0)
    try {
      await store.create(sampleConfig('m1'))
    } finally {
      process.umask(previous)
    }
    for (const dir of [store.layout.root, store.layout.machinesDir, store.layout.machine('m1').dir]) {
      expect(permissions((await stat(dir)).mode), dir).toBe(0o700)
    }
    expect(permissions((await stat(store.layout.machine('m1').config)).mode)).toBe(0o600)
    expect(await readdir(store.layout.machine('m1').dir)).toEqual(['config.json'])
  })

  it('refuses to create a machine twice', async () => {
    await store.create(sampleConfig('m1'))
    const error = await caught(store.create(sampleConfig('m1', {createdAt: '2030-01-01T00:00:00.000Z'})))
    expect(error).toBeInstanceOf(MachineExistsError)
    expect((error as MachineExistsError).message).toBe('Machine "m1" already exists.')
    expect((await store.load('m1')).createdAt).toBe('2026-01-02T03:04:05.000Z')
  })

  it('lets exactly one of 10 concurrent creates of one name succeed', async () => {
    const results = await Promise.allSettled(Array.from({length: 10}, (_, i) => store.create(sampleConfig('m1', {driver: {name: 'none', state: {attempt: i}}}))))
    const fulfilled = results.filter((result) => result.status === 'fulfilled')
    const rejected = results.filter((result) => result.status === 'rejected')
    expect(fulfilled).toHaveLength(1)
    expect(rejected).toHaveLength(9)
    for (const result of rejected) expect(result.reason).toBeInstanceOf(MachineExistsError)
    const winner = results.findIndex((result) => result.status === 'fulfilled')
    expect((await store.load('m1')).driver.state).toEqual({attempt: winner})
  })

  it('creates different machines side by side', async () => {
    await Promise.all(['b', 'a', 'c'].map((name) => store.create(sampleConfig(name))))
    expect(await store.names()).toEqual(['a', 'b', 'c'])
  })

  it('validates the name before touching the disk', async () => {
    for (const name of ['../evil', '', 'bad_name']) {
      await expect(store.create(sampleConfig(name))).rejects.toBeInstanceOf(InvalidMachineNameError)
    }
    expect(await readdir(root)).toEqual([])
  })

  it('does not leave a reserved directory behind when the first save fails', async () => {
    const unsaveable = sampleConfig('m1', {driver: {name: 'none', state: {size: 10n}}})
    await expect(store.create(unsaveable)).rejects.toThrow(TypeError)
    expect(await store.names()).toEqual([])
    await store.create(sampleConfig('m1'))
    expect((await store.load('m1')).name).toBe('m1')
  })
})

describe('MachineStore.load', () => {
  it('reports a missing machine as not found', async () => {
    const error = await caught(store.load('ghost'))
    expect(error).toBeInstanceOf(MachineNotFoundError)
    expect((error as MachineNotFoundError).message).toBe('Machine "ghost" does not exist.')
    await store.create(sampleConfig('m1'))
    await expect(store.load('ghost')).rejects.toBeInstanceOf(MachineNotFoundError)
  })

  it('rejects an invalid name', async () => {
    await expect(store.load('../m1')).rejects.toBeInstanceOf(InvalidMachineNameError)
  })

  it('refuses a config that names another machine', async () => {
    await store.create(sampleConfig('m1'))
    await mkdir(store.layout.machine('m2').dir)
    await writeFile(store.layout.machine('m2').config, JSON.stringify(sampleConfig('m1')))
    const error = await caught(store.load('m2'))
    expect(error).toBeInstanceOf(MachineConfigError)
    expect((error as Error).message).toBe('Machine "m2" cannot be loaded: config.json names the machine "m1"')
  })

  it('applies the current migrations (a current file loads unchanged)', async () => {
    await store.create(sampleConfig('m1'))
    const text = await readFile(store.layout.machine('m1').config, 'utf8')
    await store.load('m1')
    expect(await readFile(store.layout.machine('m1').config, 'utf8')).toBe(text)
  })
})

describe('MachineStore.list', () => {
  it('returns good and broken machines alike, each broken one with the reason', async () => {
    await store.create(sampleConfig('good'))
    const layout = store.layout
    await mkdir(layout.machine('empty').dir)
    await mkdir(layout.machine('garbled').dir)
    await writeFile(layout.machine('garbled').config, '{"version": 1, "name": ')
    await mkdir(layout.machine('future').dir)
    await writeFile(layout.machine('future').config, JSON.stringify({...sampleConfig('future'), version: 99}))
    await mkdir(layout.machine('shapeless').dir)
    await writeFile(layout.machine('shapeless').config, JSON.stringify({version: 1, name: 'shapeless', endpoint: null}))

    const entries = await store.list()
    expect(entries.map((entry) => entry.name)).toEqual(['empty', 'future', 'garbled', 'good', 'shapeless'])
    const byName = Object.fromEntries(entries.map((entry) => [entry.name, entry]))
    expect(byName.good).toEqual({name: 'good', config: sampleConfig('good')})
    expect(byName.empty).toEqual({name: 'empty', error: 'Machine "empty" cannot be loaded: config.json is missing'})
    expect(byName.garbled!.error).toMatch(/^Machine "garbled" cannot be loaded: config\.json is not valid JSON \(.+\)$/)
    expect(byName.future).toEqual({name: 'future', error: 'Machine "future" cannot be loaded: config.json is version 99, written by a newer berth (this one reads up to 1)'})
    expect(byName.shapeless!.error).toMatch(/^Machine "shapeless" cannot be loaded: config\.json is malformed: "createdAt" is missing; .*"endpoint" needs "address" and "url"/)
    for (const entry of entries) expect(entry.config === undefined).toBe(entry.error !== undefined)
  })

  it('ignores files and hidden directories among the machines', async () => {
    await store.create(sampleConfig('m1'))
    await writeFile(join(store.layout.machinesDir, 'notes.txt'), '')
    await mkdir(join(store.layout.machinesDir, '.trash'))
    expect(await store.names()).toEqual(['m1'])
    expect((await store.list()).map((entry) => entry.name)).toEqual(['m1'])
  })

  it('finds no machines in a store that does not exist, and does not create it', async () => {
    expect(await store.names()).toEqual([])
    expect(await store.list()).toEqual([])
    expect(await store.exists('m1')).toBe(false)
    expect(await present(store.layout.root)).toBe(false)
  })
})

describe('MachineStore.update and save', () => {
  it('loses none of 20 concurrent updates', async () => {
    await store.create(sampleConfig('m1'))
    await Promise.all(Array.from({length: 20}, (_, i) => store.update('m1', async (config) => {
      // Yield between the load and the save, where an unlocked update would let another overwrite it.
      await new Promise((resolve) => setTimeout(resolve, 1))
      return {...config, resources: [...config.resources, {kind: 'disk', id: `d-${i}`}]}
    })))
    const ids = (await store.load('m1')).resources.map((resource) => resource.id)
    expect(ids).toHaveLength(20)
    expect([...ids].sort()).toEqual(Array.from({length: 20}, (_, i) => `d-${i}`).sort())
    expect(await readdir(store.layout.machine('m1').dir)).toEqual(['config.json'])
  })

  it('returns the saved config, and a failing change saves nothing', async () => {
    await store.create(sampleConfig('m1'))
    const next = await store.update('m1', (config) => ({...config, auth: {sans: ['m1.example']}}))
    expect(next.auth.sans).toEqual(['m1.example'])
    expect(await store.load('m1')).toEqual(next)
    await expect(store.update('m1', () => {
      throw new Error('driver failed')
    })).rejects.toThrow('driver failed')
    expect(await store.load('m1')).toEqual(next)
    expect(await readdir(store.layout.machine('m1').dir)).toEqual(['config.json'])
  })

  it('reports an update of a missing machine as not found, without creating it', async () => {
    await expect(store.update('ghost', (config) => config)).rejects.toBeInstanceOf(MachineNotFoundError)
    expect(await store.names()).toEqual([])
    await store.create(sampleConfig('m1'))
    await expect(store.update('ghost', (config) => config)).rejects.toBeInstanceOf(MachineNotFoundError)
    expect(await store.names()).toEqual(['m1'])
  })

  it('never writes outside the machines directory for an invalid name', async () => {
    await expect(store.update('../outside', (config) => config)).rejects.toBeInstanceOf(InvalidMachineNameError)
    await expect(store.save(sampleConfig('../outside'))).rejects.toBeInstanceOf(InvalidMachineNameError)
    expect(await readdir(root)).toEqual([])
  })

  it('save replaces the whole config', async () => {
    await store.create(sampleConfig('m1'))
    const changed: MachineConfig = {...sampleConfig('m1'), endpoint: {address: 'h', url: 'tcp://h:2376'}}
    await store.save(changed)
    expect(await store.load('m1')).toEqual(changed)
  })
})

describe('MachineStore.remove', () => {
  it('deletes the machine directory with everything in it', async () => {
    await store.create(sampleConfig('m1'))
    await store.create(sampleConfig('m2'))
    await writeFile(store.layout.machine('m1').sshKey, 'key', {mode: 0o600})
    await store.remove('m1')
    expect(await present(store.layout.machine('m1').dir)).toBe(false)
    expect(await store.names()).toEqual(['m2'])
    await expect(store.load('m1')).rejects.toBeInstanceOf(MachineNotFoundError)
  })

  it('accepts a machine that is already gone, and refuses an invalid name', async () => {
    await store.remove('ghost')
    await mkdir(join(root, 'store', 'keep'), {recursive: true})
    await expect(store.remove('..')).rejects.toBeInstanceOf(InvalidMachineNameError)
    expect(await present(join(root, 'store', 'keep'))).toBe(true)
  })
})

describe('a copied store', () => {
  it('still loads, and its stored paths point into the copy', async () => {
    const machine = store.layout.machine('m1')
    await store.create(sampleConfig('m1', {ssh: {user: 'root', host: '10.0.0.5', port: 22, keyPath: store.layout.toStored(machine.sshKey)}}))
    await writeFile(machine.sshKey, 'private key', {mode: 0o600})
    expect((await store.load('m1')).ssh!.keyPath).toBe(join('machines', 'm1', 'id_ed25519'))

    const copyRoot = join(root, 'elsewhere', 'store-copy')
    await mkdir(join(root, 'elsewhere'))
    execFileSync('cp', ['-r', store.layout.root, copyRoot])
    const copy = new MachineStore(new StoreLayout(copyRoot))
    const loaded = await copy.load('m1')
    expect(loaded).toEqual(await store.load('m1'))
    const keyPath = copy.layout.fromStored(loaded.ssh!.keyPath)
    expect(keyPath).toBe(join(copyRoot, 'machines', 'm1', 'id_ed25519'))
    expect(await readFile(keyPath, 'utf8')).toBe('private key')

    // The copy is independent: removing the original leaves it working.
    await store.remove('m1')
    expect((await copy.list()).map((entry) => entry.name)).toEqual(['m1'])
  })
})
