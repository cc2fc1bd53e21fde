import {mkdir, writeFile} from 'node:fs/promises'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {settingsFromFlags} from '../../drivers/amazonec2/settings.js'
import {BerthSandbox} from '../harness/berth.js'
import {OTHER_CREDENTIALS, TEST_CREDENTIALS, startEc2Simulator, type Ec2Simulator, type Instance, type SimulatorCredentials} from '../simulators/ec2/index.js'

// `ls` over many EC2 machines asks EC2 once per region and account (plus one look-up by id for instances that lost
// berth's tag), however many machines there are. The instances exist only in the simulator's books, and the
// machines are written into the store as create leaves them, so no host is needed.
describe('ls over many amazonec2 machines', () => {
  let sandbox: BerthSandbox
  let sim: Ec2Simulator
  const expected = new Map<string, string>()

  /** A stored machine as create leaves it, its credentials kept as if typed on the command line. */
  async function storeMachine(name: string, instance: Instance, region: string, credentials: SimulatorCredentials): Promise<void> {
    const dir = join(sandbox.storePath, 'machines', name)
    await mkdir(dir, {recursive: true, mode: 0o700})
    const settings = settingsFromFlags({'amazonec2-region': region, 'amazonec2-endpoint': sim.endpoint}, name)
    const address = instance.publicIp ?? instance.privateIp
    await writeFile(join(dir, 'config.json'), JSON.stringify({
      version: 1, name, createdAt: new Date().toISOString(),
      driver: {name: 'amazonec2', state: {settings, instanceId: instance.id}},
      engine: {installUrl: 'https://get.docker.com', port: 2376, opts: [], env: [], labels: ['provider=amazonec2'], insecureRegistries: [], registryMirrors: []},
      auth: {sans: []},
      endpoint: {address, url: `tcp://${address}:2376`},
      resources: [{kind: 'instance', id: instance.id}],
    }), {mode: 0o600})
    await writeFile(join(dir, 'credentials.json'), JSON.stringify({'amazonec2-access-key': credentials.accessKeyId, 'amazonec2-secret-key': credentials.secretAccessKey}), {mode: 0o600})
  }

  async function machines(prefix: string, count: number, options: {region: string; credentials: SimulatorCredentials; state: 'running' | 'stopped'; tagged: boolean}): Promise<Instance[]> {
    const instances = sim.addInstances(count, {region: options.region, credentials: options.credentials, state: options.state, tags: options.tagged ? [{key: 'berth:machine', value: prefix}] : []})
    for (const [index, instance] of instances.entries()) {
      const name = `${prefix}${String(index).padStart(3, '0')}`
      await storeMachine(name, instance, options.region, options.credentials)
      expected.set(name, options.state === 'running' ? 'Running' : 'Stopped')
    }
    return instances
  }

  beforeAll(async () => {
    sandbox = await BerthSandbox.create()
    sim = await startEc2Simulator()
    await machines('east', 60, {region: 'us-east-1', credentials: TEST_CREDENTIALS, state: 'stopped', tagged: true})
    await machines('eastrun', 2, {region: 'us-east-1', credentials: TEST_CREDENTIALS, state: 'running', tagged: true})
    await machines('west', 20, {region: 'eu-west-1', credentials: TEST_CREDENTIALS, state: 'stopped', tagged: true})
    await machines('untagged', 3, {region: 'eu-west-1', credentials: TEST_CREDENTIALS, state: 'stopped', tagged: false})
    await machines('other', 15, {region: 'us-east-1', credentials: OTHER_CREDENTIALS, state: 'stopped', tagged: true})
    // A machine whose instance was terminated outside berth.
    const [gone] = await machines('gone', 1, {region: 'us-east-1', credentials: TEST_CREDENTIALS, state: 'stopped', tagged: true})
    gone!.state = 'terminated'
    expected.set('gone000', 'NotFound')
    // Others in the same account that are not berth's: listed by EC2 only if tagged, never shown by berth.
    sim.addInstances(40, {region: 'us-east-1'})
  })

  afterAll(async () => {
    await sim?.stop()
    await sandbox?.dispose()
  })

  it('one DescribeInstances per region and account for 101 machines, and each machine gets its own state', async () => {
    const before = sim.callsTo('DescribeInstances').length
    const listed = await sandbox.run(['ls', '--timeout', '3', '--format', '{{.Name}} {{.State}}'])
    expect(listed.code).toBe(0)
    const rows = new Map(listed.stdout.trim().split('\n').map((line) => line.split(' ') as [string, string]))
    expect(rows).toEqual(expected)
    const calls = sim.callsTo('DescribeInstances').slice(before)
    // us-east-1 with the test account, us-east-1 with the other account, eu-west-1, and there one look-up by id
    // for the instances without berth's tag.
    expect(calls.map((call) => `${call.region} ${call.accessKeyId} ${call.params['Filter.1.Name']}`).sort()).toEqual([
      `eu-west-1 ${TEST_CREDENTIALS.accessKeyId} instance-id`,
      `eu-west-1 ${TEST_CREDENTIALS.accessKeyId} tag-key`,
      `us-east-1 ${OTHER_CREDENTIALS.accessKeyId} tag-key`,
      `us-east-1 ${TEST_CREDENTIALS.accessKeyId} tag-key`,
    ])
    expect(calls.every((call) => call.code === undefined)).toBe(true)
  })

  it('credentials that no longer work: the machines show as Error and ls says why, in one line per machine', async () => {
    const listed = await sandbox.run(['ls', '--timeout', '3', '--filter', 'name=west*', '--format', '{{.Name}} {{.State}} {{.Error}}'], {env: {AWS_ACCESS_KEY_ID: 'AKIAREVOKEDREVOKED00', AWS_SECRET_ACCESS_KEY: 'revoked'}})
    expect(listed.code).toBe(0)
    const lines = listed.stdout.trim().split('\n')
    expect(lines).toHaveLength(20)
    for (const line of lines) expect(line).toMatch(/^west\d{3} Error AWS did not accept the credentials \(AuthFailure\)\./)
  })

  it('status of one machine asks for its instance alone', async () => {
    const before = sim.callsTo('DescribeInstances').length
    const status = await sandbox.run(['status', 'west005'])
    expect(status.stdout).toBe('Stopped\n')
    const calls = sim.callsTo('DescribeInstances').slice(before)
    expect(calls.map((call) => call.params['InstanceId.1'])).toEqual([expect.stringMatching(/^i-0/)])
  })
})
