import {execFile} from 'node:child_process'
import {readFile, stat, writeFile} from 'node:fs/promises'
import {join} from 'node:path'
import {promisify} from 'node:util'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {BerthSandbox, type RunResult} from '../harness/berth.js'
import {dockerViaEnv} from '../harness/docker-via-env.js'
import type {InstallServer} from '../harness/install-server.js'
import {TestHostPool} from '../hosts/index.js'
import {startEngineInstallServer} from '../harness/engine-install.js'
import {SESSION_CREDENTIALS, startEc2Simulator, type Ec2Simulator} from '../simulators/ec2/index.js'

const errorLines = (result: RunResult): string[] => result.stderr.split('\n').filter((line) => line.startsWith('Error'))

// A machine made with the user's own key pair and security group, temporary credentials from a profile of the
// shared AWS files, no public address, and a Spot instance: berth uses what the user named, removes only what it
// made, and reaches the machine at its private address.
describe('amazonec2 with a profile, the user\'s key pair and security group, a private address and Spot', () => {
  let sandbox: BerthSandbox
  let pool: TestHostPool
  let sim: Ec2Simulator
  let install: {url: string; server: InstallServer}
  let keyPath: string
  let groupId: string

  beforeAll(async () => {
    sandbox = await BerthSandbox.create()
    pool = new TestHostPool()
    const anchor = await pool.up('ec2-opt-anchor', {init: 'sysv'})
    install = await startEngineInstallServer(anchor.gateway)
    sim = await startEc2Simulator({hosts: pool})
    // The shared AWS files, as `aws configure` writes them, with temporary credentials.
    await writeFile(join(sandbox.dir, 'aws-credentials'), `[default]\naws_access_key_id = AKIANOTTHISONE000000\naws_secret_access_key = nope\n\n[ops]\naws_access_key_id = ${SESSION_CREDENTIALS.accessKeyId}\naws_secret_access_key = ${SESSION_CREDENTIALS.secretAccessKey}\naws_session_token = ${SESSION_CREDENTIALS.sessionToken}\n`)
    await writeFile(join(sandbox.dir, 'aws-config'), '[profile ops]\nregion = us-west-2\n')
    // The user's key pair, imported into EC2 before berth runs, and a group of theirs with SSH open already.
    keyPath = join(sandbox.dir, 'ops-key')
    await promisify(execFile)('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'ops', '-f', keyPath])
    const region = sim.region('eu-west-1', SESSION_CREDENTIALS)
    const publicKey = (await readFile(`${keyPath}.pub`, 'utf8')).trim().split(' ').slice(0, 2).join(' ')
    region.keyPairs.push({id: 'key-0aaaaaaaaaaaaaaaa', name: 'ops', publicKey, fingerprint: 'ops', type: 'ed25519', tags: [], created: new Date()})
    groupId = 'sg-0bbbbbbbbbbbbbbbb'
    region.groups.push({id: groupId, name: 'ops-docker', description: 'ops', vpcId: region.vpcs[0]!.id, ingress: [{protocol: 'tcp', fromPort: 22, toPort: 22, cidr: '0.0.0.0/0'}], tags: [], isDefault: false})
  })

  afterAll(async () => {
    await sim?.stop()
    await install?.server.close()
    await pool?.dispose()
    await sandbox?.dispose()
  })

  const awsFiles = (): NodeJS.ProcessEnv => ({AWS_SHARED_CREDENTIALS_FILE: join(sandbox.dir, 'aws-credentials'), AWS_CONFIG_FILE: join(sandbox.dir, 'aws-config')})
  const berth = (args: readonly string[]): Promise<RunResult> => sandbox.run(args, {env: awsFiles()})

  it('creates the machine with what the user named, and docker works at the private address', async () => {
    const created = await berth(['create', '-d', 'amazonec2', '--amazonec2-endpoint', sim.endpoint, '--amazonec2-profile', 'ops', '--amazonec2-region', 'eu-west-1',
      '--amazonec2-zone', 'b', '--amazonec2-keypair-name', 'ops', '--amazonec2-ssh-keypath', keyPath, '--amazonec2-security-group', 'ops-docker',
      '--amazonec2-private-address-only', '--amazonec2-request-spot-instance', '--amazonec2-spot-price', '0.05', '--amazonec2-iam-instance-profile', 'berth-test-profile',
      '--amazonec2-monitoring', '--amazonec2-use-ebs-optimized-instance', '--amazonec2-root-size', '30', '--amazonec2-volume-type', 'io1', '--amazonec2-volume-iops', '1500', '--amazonec2-instance-type', 't3.large',
      '--engine-install-url', install.url, 'o1'])
    expect(errorLines(created)).toEqual([])
    expect(created.code).toBe(0)

    const region = sim.region('eu-west-1', SESSION_CREDENTIALS)
    const [instance, ...others] = region.made().instances
    expect(others).toEqual([])
    expect(instance).toMatchObject({
      keyName: 'ops', groupIds: [groupId], zone: 'eu-west-1b', instanceType: 't3.large', associatePublicIp: false, publicIp: undefined,
      spot: {maxPrice: '0.05'}, iamInstanceProfile: 'berth-test-profile', monitoring: true, ebsOptimized: true, rootVolume: {size: 30, type: 'io1', iops: 1500},
    })
    // The group only gained the engine's port; berth made no key pair and no group.
    expect(region.made().groups.map((group) => [group.name, group.ingress.map((rule) => rule.fromPort)])).toEqual([['ops-docker', [22, 2376]]])
    expect(region.made().keyPairs.map((pair) => pair.name)).toEqual(['ops'])
    expect(sim.callsTo('CreateSecurityGroup')).toEqual([])
    expect(sim.callsTo('ImportKeyPair')).toEqual([])
    expect(sim.calls.every((call) => call.accessKeyId === SESSION_CREDENTIALS.accessKeyId)).toBe(true)

    expect((await berth(['ip', 'o1'])).stdout).toBe(`${instance!.privateIp}\n`)
    const config = JSON.parse(await readFile(join(sandbox.storePath, 'machines', 'o1', 'config.json'), 'utf8')) as {resources: unknown[]; ssh: {keyPath: string}}
    expect(config.resources).toEqual([{kind: 'instance', id: instance!.id, launchedAt: expect.stringMatching(/^2\d{3}-/) as string}])
    // The machine logs in with its own 0600 copy of the key, kept in its directory.
    expect(config.ssh.keyPath).toBe(join('machines', 'o1', 'id_ed25519'))
    expect((await stat(join(sandbox.storePath, 'machines', 'o1', 'id_ed25519'))).mode & 0o777).toBe(0o600)
    const version = await dockerViaEnv(sandbox, 'o1', ['version', '--format', '{{.Server.Version}}'])
    expect(version.stderr).toBe('')
    expect(version.code).toBe(0)
  }, 300_000)

  it('a Spot instance cannot be stopped: one line that says so and what to do', async () => {
    const stopped = await berth(['stop', 'o1'])
    expect(stopped.code).toBe(1)
    expect(errorLines(stopped)).toEqual(['Error: Machine "o1" runs on a one-time Spot instance, which EC2 cannot stop. Restart it with "berth restart", or remove it with "berth rm o1".'])
    expect((await berth(['status', 'o1'])).stdout).toBe('Running\n')
  })

  it('without the profile\'s credentials later commands say which to set', async () => {
    const status = await sandbox.run(['status', 'o1'], {env: {AWS_SHARED_CREDENTIALS_FILE: join(sandbox.dir, 'missing'), AWS_CONFIG_FILE: join(sandbox.dir, 'missing')}})
    expect(status.code).toBe(1)
    expect(errorLines(status)).toEqual(['Error: No AWS credentials were found for the profile "ops". Check the profile in ~/.aws/credentials and ~/.aws/config (AWS_SHARED_CREDENTIALS_FILE, AWS_CONFIG_FILE), or set --amazonec2-access-key and --amazonec2-secret-key.'])
  })

  it('rm terminates the instance and leaves the user\'s key pair and security group', async () => {
    const removed = await berth(['rm', '-y', 'o1'])
    expect(errorLines(removed)).toEqual([])
    expect(removed.code).toBe(0)
    const left = sim.region('eu-west-1', SESSION_CREDENTIALS).made()
    expect(left.instances).toEqual([])
    expect(left.keyPairs.map((pair) => pair.name)).toEqual(['ops'])
    expect(left.groups.map((group) => group.id)).toEqual([groupId])
    expect(sim.callsTo('DeleteKeyPair')).toEqual([])
    expect(sim.callsTo('DeleteSecurityGroup')).toEqual([])
  }, 300_000)
})
