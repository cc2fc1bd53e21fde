import {afterEach, describe, expect, it, vi} from 'vitest'
import {spellProse, wordError} from '../../../src/cli/error-wording.js'
import {DriverRegistry, type DriverSource} from '../../../src/core/driver-registry/registry.js'
import type {Driver, DriverDefinition, DriverFlag, DriverSetup, OperationContext} from '../../../src/driver-kit/contract.js'
import {BerthError} from '../../../src/core/errors.js'
import {testDriverSetup, testOperationContext} from '../../../src/driver-kit/testing.js'

const SECRET = 'hunter2-token'
const setup: DriverSetup = testDriverSetup({name: 'test', flags: []}, {storeDir: '/store', machineName: 'm1'})

/** A driver that does whatever the test tells it to with what it was given, secrets included. */
function leakyDefinition(name: string, behaviour: {state?: (token: string) => Record<string, unknown>; create?: (ctx: OperationContext, token: string) => Promise<void>}, flags?: DriverFlag[]): DriverDefinition {
  const make = (token: string): Driver => ({
    preCreateCheck: async () => {
      throw new Error(`token ${token} was refused`)
    },
    create: (ctx) => behaviour.create?.(ctx, token) ?? Promise.resolve(),
    start: async () => {},
    stop: async () => {},
    restart: async () => {},
    kill: async () => {},
    remove: async () => {},
    state: async () => 'Running',
    address: async () => '127.0.0.1',
    dockerUrl: async () => 'tcp://127.0.0.1:2376',
    sshEndpoint: async () => undefined,
    toState: () => behaviour.state?.(token) ?? {region: 'eu'},
  })
  return {
    name,
    description: 'test',
    flags: flags ?? [{name: `${name}-token`, type: 'string', description: 'credential', env: 'LEAKY_TOKEN', secret: true}],
    capabilities: {stableAddress: true, serialOperations: false, provisions: false},
    probe: async () => ({installed: true, healthy: true}),
    fromFlags: (values) => make(String(values[`${name}-token`] ?? '')),
    load: (_state, driverSetup) => make(driverSetup.env.LEAKY_TOKEN ?? ''),
  }
}

function plugin(name: string, load: () => Promise<unknown>): DriverSource {
  return {name, origin: {kind: 'plugin', plugin: `berth-driver-${name}`, version: '1.0.0'}, load}
}

describe('secret flags', () => {
  it('refuses a state that carries a secret value, without quoting it', async () => {
    const registry = new DriverRegistry([plugin('leaky', async () => leakyDefinition('leaky', {state: (token) => ({auth: `Bearer ${token}`})}))])
    const driver = (await registry.get('leaky')).fromFlags({'leaky-token': SECRET}, setup)
    let thrown: unknown
    try {
      driver.toState()
    } catch (error) {
      thrown = error
    }
    expect(thrown).toBeInstanceOf(BerthError)
    expect((thrown as BerthError).message).toBe('The leaky driver tried to store the value of its secret flag --leaky-token in its state; berth does not write credentials to disk.')
    expect(String(wordError(thrown as BerthError).hint)).not.toContain(SECRET)
  })

  it('refuses a resource record with a secret, redacts progress and errors, and leaves clean state alone', async () => {
    const definition = leakyDefinition('leaky', {create: async (ctx, token) => {
      ctx.progress(`logging in with ${token}`)
      await ctx.record({kind: 'key', id: token})
    }})
    const driver = (await new DriverRegistry([plugin('leaky', async () => definition)]).get('leaky')).fromFlags({'leaky-token': SECRET}, setup)
    const {ctx, records, progress} = testOperationContext()
    await expect(driver.create(ctx)).rejects.toThrow('secret flag --leaky-token in a resource record')
    expect(records).toEqual([])
    expect(progress).toEqual(['logging in with <redacted>'])
    await expect(driver.preCreateCheck(ctx)).rejects.toThrow('token <redacted> was refused')
    expect(driver.toState()).toEqual({region: 'eu'})
  })

  it('passes on an abort error untouched, and redacts one whose message cannot be replaced', async () => {
    const aborted = new DOMException('This operation was aborted', 'AbortError')
    const quoting = new DOMException(`aborted while sending ${SECRET}`, 'AbortError')
    for (const [thrown, expected] of [[aborted, aborted], [quoting, undefined]] as const) {
      const definition = leakyDefinition('leaky', {create: async () => {
        throw thrown
      }})
      const driver = (await new DriverRegistry([plugin('leaky', async () => definition)]).get('leaky')).fromFlags({'leaky-token': SECRET}, setup)
      const error = await driver.create(testOperationContext().ctx).then(() => undefined, (caught: unknown) => caught)
      if (expected !== undefined) {
        expect(error).toBe(expected)
      } else {
        expect((error as Error).message).toBe('aborted while sending <redacted>')
        expect((error as Error).name).toBe('AbortError')
      }
    }
  })

  it('guards a stored machine\'s secret from the environment, and ignores values too short to tell apart', async () => {
    const definition = await new DriverRegistry([plugin('leaky', async () => leakyDefinition('leaky', {state: (token) => ({token})}))]).get('leaky')
    expect(() => definition.load({}, {...setup, env: {LEAKY_TOKEN: SECRET}, secret: (flag) => (flag === 'leaky-token' ? SECRET : undefined)}).toState()).toThrow(BerthError)
    expect(definition.fromFlags({'leaky-token': 'eu'}, setup).toState()).toEqual({token: 'eu'})
  })
})

describe('driver registry', () => {
  afterEach(() => {
    vi.useRealTimers()
  })

  it('loads a driver module once per registry', async () => {
    const load = vi.fn(async () => leakyDefinition('one', {}))
    const registry = new DriverRegistry([plugin('one', load)])
    await registry.get('one')
    await registry.get('one')
    await registry.report()
    expect(load).toHaveBeenCalledTimes(1)
  })

  it('never imports a plugin driver that a built-in one shadows, and reports it unhealthy', async () => {
    const impostor = vi.fn(async () => leakyDefinition('none', {}))
    const registry = new DriverRegistry([plugin('none', impostor), {name: 'none', origin: {kind: 'built-in'}, load: async () => leakyDefinition('none', {}, [])}])
    expect(registry.origin('none')).toEqual({kind: 'built-in'})
    const reports = await registry.report()
    expect(impostor).not.toHaveBeenCalled()
    expect(reports.map((report) => [report.source, report.health.healthy])).toEqual([['built-in', true], ['plugin berth-driver-none@1.0.0', false]])
    expect(spellProse(reports[1]!.health.fix!)).toBe('Uninstall the plugin with "berth plugins uninstall berth-driver-none".')
  })

  it('rejects plugin flags that are not prefixed with the driver name, or are declared twice', async () => {
    const flag = (name: string): DriverFlag => ({name, type: 'string', description: 'x'})
    const registry = new DriverRegistry([
      plugin('short', async () => leakyDefinition('short', {}, [flag('driver')])),
      plugin('twice', async () => leakyDefinition('twice', {}, [flag('twice-a'), flag('twice-a')])),
      plugin('typed', async () => leakyDefinition('typed', {}, [{...flag('typed-a'), type: 'float' as DriverFlag['type']}])),
    ])
    await expect(registry.get('short')).rejects.toThrow('Driver "short" is broken: its flag --driver does not start with "short-"')
    await expect(registry.get('twice')).rejects.toThrow('it declares --twice-a twice')
    await expect(registry.get('typed')).rejects.toThrow('its flag --typed-a has an unknown type ("float")')
    const reports = await registry.report()
    expect(reports.every((report) => report.health.installed && !report.health.healthy)).toBe(true)
  })

  it('rejects a plugin whose example is not flags and a machine name, and keeps a good one', async () => {
    const registry = new DriverRegistry([
      plugin('odd', async () => ({...leakyDefinition('odd', {}), example: {args: '--odd-token x', machine: 'web1'}})),
      plugin('good', async () => ({...leakyDefinition('good', {}), example: {args: ['--good-token', 'x'], machine: 'web1'}})),
    ])
    await expect(registry.get('odd')).rejects.toThrow('Driver "odd" is broken: its example is not {args: [strings], machine: string}')
    expect((await registry.get('good')).example).toEqual({args: ['--good-token', 'x'], machine: 'web1'})
  })

  it('reports a probe that hangs, throws or answers nonsense as unhealthy', async () => {
    vi.useFakeTimers()
    const withProbe = (name: string, probe: () => Promise<unknown>): DriverSource => plugin(name, async () => ({...leakyDefinition(name, {}), probe}))
    const registry = new DriverRegistry([
      withProbe('hangs', () => new Promise(() => {})),
      withProbe('throws', async () => {
        throw new Error('no credentials')
      }),
      withProbe('nonsense', async () => 'ok'),
      withProbe('missing', async () => ({installed: false, healthy: false, problem: 'VBoxManage not found', fix: 'Install VirtualBox.'})),
    ])
    const pending = registry.report()
    await vi.advanceTimersByTimeAsync(10_000)
    const byName = Object.fromEntries((await pending).map((report) => [report.name, report.health]))
    expect(byName.hangs).toMatchObject({installed: true, healthy: false, problem: 'its probe() did not answer within 10s'})
    expect(byName.throws).toMatchObject({installed: true, healthy: false, problem: 'no credentials'})
    expect(byName.nonsense).toMatchObject({healthy: false, problem: 'its probe() returned no health report'})
    expect(byName.missing).toEqual({installed: false, healthy: false, problem: 'VBoxManage not found', fix: 'Install VirtualBox.'})
  })
})

describe('the default driver', () => {
  function local(name: string, defaultRank: number | undefined, healthy: boolean): DriverSource {
    const definition = leakyDefinition(name, {})
    return {
      name,
      origin: {kind: 'built-in'},
      load: async () => ({
        ...definition,
        capabilities: {...definition.capabilities, ...(defaultRank === undefined ? {} : {defaultRank})},
        probe: async () => (healthy ? {installed: true, healthy} : {installed: false, healthy, problem: `${name} is not installed`}),
      }),
    }
  }

  it('is the highest-ranked driver that works here, passing over broken and unranked ones', async () => {
    const registry = new DriverRegistry([local('cloud', undefined, true), local('best', 2, false), local('next', 1, true), local('last', 0, true), plugin('broken', () => Promise.reject(new Error('no module')))])
    expect((await registry.defaultDriver()).name).toBe('next')
  })

  it('says why each local driver cannot be used, and how to name one, when none works', async () => {
    const registry = new DriverRegistry([local('cloud', undefined, true), local('vm', 1, false)])
    const error = await registry.defaultDriver().then(() => undefined, (caught: unknown) => caught)
    expect(error).toBeInstanceOf(BerthError)
    expect((error as BerthError).message).toBe('No driver chosen, and no local driver works here (vm: vm is not installed).')
    expect(wordError(error as BerthError).hint).toMatch(/^Pass -d DRIVER; available: cloud, vm\./)
  })

  it('is refused when no driver has a rank, as before local drivers existed', async () => {
    const error = await new DriverRegistry([local('cloud', undefined, true)]).defaultDriver().then(() => undefined, (caught: unknown) => caught)
    expect((error as BerthError).message).toBe('No driver chosen.')
  })

  it('rejects a plugin whose rank is not a number', async () => {
    const definition = leakyDefinition('odd', {})
    const registry = new DriverRegistry([plugin('odd', async () => ({...definition, capabilities: {...definition.capabilities, defaultRank: 'high'}}))])
    await expect(registry.get('odd')).rejects.toThrow('its capabilities.defaultRank is not a number ("high")')
  })
})
