import {existsSync} from 'node:fs'
import {mkdir, mkdtemp, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {DigitalOceanDriver, DEFAULT_TIMING} from '../../drivers/digitalocean/driver.js'
import {settingsFromFlags} from '../../drivers/digitalocean/settings.js'
import type {DriverSetup, OperationContext} from '../../src/driver-kit/contract.js'
import type {Prose} from '../../src/core/fix.js'
import type {ResourceRecord} from '../../src/core/store/schema.js'
import digitalocean from '../../drivers/digitalocean/index.js'
import {testDriverSetup, testOperationContext} from '../../src/driver-kit/testing.js'
import {TestHostPool, type HostOptions, type TestHost} from '../hosts/index.js'
import {startDigitalOceanSimulator, type DigitalOceanSimulator} from '../simulators/digitalocean/index.js'

// The driver contract (create, state, stop, start, restart, kill, remove, remove again) on the driver itself, with
// short deadlines so that the slow paths run: a droplet that never gets active, a shutdown that hangs until a
// power-off takes over.

const TOKEN = 'dop_v1_dddd4444dddd4444dddd4444dddd4444dddd4444dddd4444dddd4444dddd4444'
// Short deadlines where the test makes them expire on purpose; the others stay long, for a busy machine.
const TIMING = {...DEFAULT_TIMING, shutdownTimeoutMs: 1000, pollIntervalMs: 200}

describe('the digitalocean driver contract, in-process', () => {
  let dir: string
  let pool: TestHostPool
  let sim: DigitalOceanSimulator
  /** Holds the boot of droplets' hosts while closed. */
  let gate: {open: () => void; opened: Promise<void>}

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'berth-do-contract-'))
    pool = new TestHostPool()
    gate = opened()
    sim = await startDigitalOceanSimulator({
      hosts: {up: async (name: string, options: HostOptions): Promise<TestHost> => {
        await gate.opened
        return pool.up(name, options)
      }},
      tokens: [TOKEN],
    })
  })

  afterAll(async () => {
    gate?.open()
    await sim?.stop()
    await pool?.dispose()
    await rm(dir, {recursive: true, force: true})
  })

  const machine = async (name: string, timing = TIMING): Promise<{driver: DigitalOceanDriver; ctx: OperationContext; records: ResourceRecord[]; progress: Prose[]; setup: DriverSetup}> => {
    const machineDir = join(dir, 'machines', name)
    await mkdir(machineDir, {recursive: true})
    const setup = testDriverSetup(digitalocean, {storeDir: dir, machineName: name, secrets: {'digitalocean-access-token': TOKEN}})
    const {ctx, records, progress} = testOperationContext()
    const driver = new DigitalOceanDriver(settingsFromFlags({'digitalocean-api-url': sim.endpoint}), setup, TOKEN, {}, timing)
    return {driver, ctx, records, progress, setup}
  }

  it('gives up on a droplet that does not get active in time, and removes it', async () => {
    const {driver, ctx, records} = await machine('slow', {...TIMING, activeTimeoutMs: 2000})
    await expect(driver.create(ctx)).rejects.toThrow(/^Droplet \d+ was still new after 2s\.$/)
    expect(records.map((record) => record.kind)).toEqual(['ssh-key', 'droplet'])
    gate.open()
    await driver.remove(ctx, records)
    expect(sim.droplets()).toEqual([])
    expect(sim.keys()).toEqual([])
  })

  it('create, state, stop (a hanging shutdown, then power off), start, restart, kill, remove, remove again', async () => {
    const {driver, ctx, records, progress, setup} = await machine('c1')
    await driver.create(ctx)
    expect(await driver.state(ctx.signal)).toBe('Running')
    const [droplet] = sim.droplets()
    expect(await driver.address(ctx.signal)).toBe(droplet!.ip)
    expect(await driver.sshEndpoint(ctx.signal)).toEqual({host: droplet!.ip, port: 22, user: 'root', keyPath: join(setup.machineDir, 'id_ed25519')})
    expect(existsSync(join(setup.machineDir, 'id_ed25519'))).toBe(true)
    expect(driver.toState()).toMatchObject({dropletId: droplet!.id})

    // Hanging far longer than the 1 s the driver waits for it, so that a slow test machine still sees it pending.
    sim.failShutdowns(1, 6000)
    await driver.stop(ctx)
    expect(progress).toContain(`Droplet ${droplet!.id} did not shut down within 1s; powering it off`)
    // The power-off first met the shutdown still pending, and came again once it had ended.
    expect(sim.calls.filter((call) => call.route === 'POST /v2/droplets/:id/actions').map((call) => call.status)).toEqual([201, 422, 201])
    expect(await driver.state(ctx.signal)).toBe('Stopped')
    await driver.stop(ctx)

    await driver.start(ctx)
    expect(await driver.state(ctx.signal)).toBe('Running')
    expect(await driver.address(ctx.signal)).not.toBe(droplet!.ip)
    const boots = sim.host(droplet!.id)!.boots
    await driver.restart(ctx)
    expect(sim.host(droplet!.id)!.boots).toBe(boots + 1)
    await driver.kill(ctx)
    expect(await driver.state(ctx.signal)).toBe('Stopped')

    await driver.remove(ctx, records)
    expect(sim.droplets()).toEqual([])
    expect(sim.keys()).toEqual([])
    expect(await driver.state(ctx.signal)).toBe('NotFound')
    await driver.remove(ctx, records)
  })
})

function opened(): {open: () => void; opened: Promise<void>} {
  let open!: () => void
  const promise = new Promise<void>((resolve) => {
    open = resolve
  })
  return {open, opened: promise}
}
