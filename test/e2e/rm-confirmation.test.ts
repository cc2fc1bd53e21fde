import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {BerthSandbox} from '../harness/berth.js'
import {TestHostPool} from '../hosts/index.js'
import type {TestHost} from '../hosts/types.js'
import {TEST_CREDENTIALS, startEc2Simulator, type Ec2Simulator} from '../simulators/ec2/index.js'

const QUESTION = 'Are you sure? (y/n): \n'
const GENERIC_LINE = 'g1 (generic): the host is left as it is; berth\'s engine settings stay on it unless --clean-host.\n'

// rm says, before it asks, what removing each machine does to its host: what its driver's capabilities make true.
describe('rm: the confirmation says what happens to each host', () => {
  let sandbox: BerthSandbox
  let pool: TestHostPool
  let sim: Ec2Simulator
  let host: TestHost
  const env = {AWS_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: TEST_CREDENTIALS.secretAccessKey}
  const machines = async (): Promise<string> => (await sandbox.run(['ls', '-q'])).stdout

  beforeAll(async () => {
    sandbox = await BerthSandbox.create()
    pool = new TestHostPool()
    sim = await startEc2Simulator()
    host = await pool.up('rmc-generic', {init: 'sysv'})
    const generic = await sandbox.run(['create', '-d', 'generic', '--generic-ip-address', host.ip, '--generic-ssh-key', host.privateKeyPath, 'g1'])
    expect(generic.code, generic.stderr).toBe(0)
    expect((await sandbox.run(['create', '-d', 'none', '--url', 'none', 'n1'])).code).toBe(0)
    // An EC2 machine kept half-made: its key pair and security group exist, the launch was refused.
    sim.inject('RunInstances', {code: 'UnauthorizedOperation', message: 'You are not authorized to perform this operation.'})
    const kept = await sandbox.run(['create', '-d', 'amazonec2', '--amazonec2-endpoint', sim.endpoint, '--keep-on-failure', 'a1'], {env})
    expect(kept.stderr).toContain('"a1" was kept as it is (--keep-on-failure)')
    sim.clearFaults()
  })

  afterAll(async () => {
    await sim?.stop()
    await pool?.dispose()
    await sandbox?.dispose()
  })

  it('declined: each driver\'s line, exit 0, nothing removed', async () => {
    const cases: [string[], string][] = [
      [['g1'], GENERIC_LINE],
      [['--clean-host', 'g1'], 'g1 (generic): berth\'s engine settings on the host are put back as berth found them (--clean-host); the host is otherwise left as it is.\n'],
      [['n1'], 'n1 (none): only berth\'s record goes; the engine and its host are left as they are.\n'],
      [['a1'], 'a1 (amazonec2): the host and everything its driver made for it are deleted.\n'],
      // A machine that does not exist has nothing to say of; the others are still described.
      [['g1', 'nosuch', 'n1'], `${GENERIC_LINE}n1 (none): only berth's record goes; the engine and its host are left as they are.\n`],
    ]
    for (const [args, lines] of cases) {
      const names = args.filter((arg) => !arg.startsWith('-'))
      expect(await sandbox.run(['rm', ...args], {input: 'n\n', env})).toEqual({code: 0, stdout: '', stderr: `About to remove ${names.join(', ')}\n${lines}${QUESTION}`})
    }
    expect(await machines()).toBe('a1\ng1\nn1\n')
  })

  it('as Docker Machine: its own warning, word for word, for every driver (scripts pipe "y" to it)', async () => {
    const declined = await sandbox.run(['rm', 'g1', 'a1'], {input: 'n\n', env: {...env, BERTH_PERSONALITY: 'docker-machine'}})
    expect(declined).toEqual({code: 0, stdout: '', stderr: `About to remove g1, a1\nWARNING: This action will delete both local reference and remote instance.\n${QUESTION}`})
  })

  it('what the lines say is what happens: the generic host keeps berth\'s engine settings, the EC2 resources go', async () => {
    const removed = await sandbox.run(['rm', '-y', 'g1', 'a1'], {env})
    expect(removed.code, removed.stderr).toBe(0)
    expect(removed.stderr).toContain(GENERIC_LINE)
    expect((await host.exec('ls /etc/docker/server.pem && grep -c tlsverify /etc/default/docker && pidof dockerd >/dev/null && echo running')).stdout).toBe('/etc/docker/server.pem\n1\nrunning\n')
    await sim.settle()
    expect(sim.leftovers()).toEqual([])
    expect(await machines()).toBe('n1\n')
  })
})
