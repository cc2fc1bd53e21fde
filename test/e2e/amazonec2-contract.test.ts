import {existsSync} from 'node:fs'
import {mkdir, mkdtemp, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {setTimeout as sleep} from 'node:timers/promises'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import amazonec2 from '../../drivers/amazonec2/index.js'
import type {Driver, DriverSetup, MachineState, OperationContext} from '../../src/driver-kit/contract.js'
import type {Prose} from '../../src/core/fix.js'
import type {ResourceRecord} from '../../src/core/store/schema.js'
import {testDriverSetup, testOperationContext} from '../../src/driver-kit/testing.js'
import {TestHostPool} from '../hosts/index.js'
import {TEST_CREDENTIALS, startEc2Simulator, type Ec2Simulator} from '../simulators/ec2/index.js'

const SECRETS: Record<string, string> = {'amazonec2-access-key': TEST_CREDENTIALS.accessKeyId, 'amazonec2-secret-key': TEST_CREDENTIALS.secretAccessKey}

// The driver contract on the driver itself (create, state, stop, start, restart, kill, remove, remove again), a
// stored machine loaded from its state, and the removal of a security group that another instance still uses.
describe('the amazonec2 driver contract, in-process', () => {
  let dir: string

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'berth-ec2-contract-'))
  })

  afterAll(async () => {
    await rm(dir, {recursive: true, force: true})
  })

  async function machine(name: string, sim: Ec2Simulator, flags: Record<string, string | string[]> = {}): Promise<{driver: Driver; ctx: OperationContext; records: ResourceRecord[]; progress: Prose[]; setup: DriverSetup}> {
    const machineDir = join(dir, 'machines', name)
    await mkdir(machineDir, {recursive: true})
    const setup = testDriverSetup(amazonec2, {storeDir: dir, machineName: name, secrets: SECRETS})
    const {ctx, records, progress} = testOperationContext()
    const driver = amazonec2.fromFlags({'amazonec2-endpoint': sim.endpoint, ...SECRETS, ...flags}, setup)
    return {driver, ctx, records, progress, setup}
  }

  /** What the core does after a power call: wait for the state. */
  async function settles(driver: Driver, wanted: MachineState): Promise<void> {
    for (let tries = 0; (await driver.state(AbortSignal.timeout(10_000))) !== wanted; tries++) {
      expect(tries).toBeLessThan(600)
      await sleep(100)
    }
  }

  describe('on test hosts', () => {
    let pool: TestHostPool
    let sim: Ec2Simulator

    beforeAll(async () => {
      pool = new TestHostPool()
      sim = await startEc2Simulator({hosts: pool})
    })

    afterAll(async () => {
      await sim?.stop()
      await pool?.dispose()
    })

    it('create, state, stop, start at a new address, restart, kill, load from state, remove, remove again', async () => {
      const {driver, ctx, records, setup} = await machine('c1', sim)
      await driver.preCreateCheck(ctx)
      await driver.create(ctx)
      expect(records.map((record) => record.kind)).toEqual(['key-pair', 'security-group', 'instance'])
      const [instance] = sim.region('us-east-1').made().instances
      expect(await driver.state(ctx.signal)).toBe('Running')
      expect(await driver.address(ctx.signal)).toBe(instance!.publicIp)
      expect(await driver.dockerUrl(ctx.signal)).toBe(`tcp://${instance!.publicIp}:2376`)
      expect(await driver.sshEndpoint(ctx.signal)).toEqual({host: instance!.publicIp, port: 22, user: 'ubuntu', keyPath: join(setup.machineDir, 'id_ed25519')})
      expect(existsSync(join(setup.machineDir, 'id_ed25519'))).toBe(true)
      expect(driver.toState()).toMatchObject({instanceId: instance!.id, plan: {zone: 'us-east-1a'}})
      expect(JSON.stringify(driver.toState())).not.toContain(TEST_CREDENTIALS.secretAccessKey)

      const before = instance!.publicIp
      await driver.stop!(ctx)
      await settles(driver, 'Stopped')
      await driver.start!(ctx)
      await settles(driver, 'Running')
      expect(await driver.address(ctx.signal)).not.toBe(before)
      await driver.restart!(ctx)
      await sim.settle()
      expect(await driver.state(ctx.signal)).toBe('Running')
      await driver.kill!(ctx)
      await settles(driver, 'Stopped')

      // A later command: the driver from the stored state, the keys through setup.secret.
      const stored = amazonec2.load(JSON.parse(JSON.stringify(driver.toState())) as Record<string, unknown>, setup)
      expect(await stored.state(ctx.signal)).toBe('Stopped')
      await stored.remove(ctx, records)
      expect(sim.leftovers()).toEqual([])
      expect(await stored.state(ctx.signal)).toBe('NotFound')
      await stored.remove(ctx, records)
      expect(sim.leftovers()).toEqual([])
    }, 300_000)
  })

  describe('without hosts', () => {
    let sim: Ec2Simulator

    beforeAll(async () => {
      sim = await startEc2Simulator()
    })

    afterAll(async () => {
      await sim?.stop()
    })

    it('a security group berth made that another instance came to use is left in place, with a line that says so', async () => {
      const {driver, ctx, records, progress} = await machine('c2', sim, {'amazonec2-security-group': ['shared']})
      await driver.preCreateCheck(ctx)
      await driver.create(ctx)
      const group = records.find((record) => record.kind === 'security-group')!
      const [other] = sim.addInstances(1)
      other!.groupIds = [group.id]
      await driver.remove(ctx, records)
      expect(progress).toContain(`The security group ${group.id} (shared) is still used by ${other!.id}; it is left in place`)
      const left = sim.region('us-east-1').made()
      expect(left.groups.map((candidate) => candidate.id)).toEqual([group.id])
      expect(left.keyPairs).toEqual([])
      expect(left.instances.map((instance) => instance.id)).toEqual([other!.id])
    })
  })
})
