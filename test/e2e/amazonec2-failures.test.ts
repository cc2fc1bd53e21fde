import {spawn} from 'node:child_process'
import {join} from 'node:path'
import {setTimeout as sleep} from 'node:timers/promises'
import {afterAll, afterEach, beforeAll, describe, expect, it} from 'vitest'
import {BerthSandbox, repoRoot, type RunResult} from '../harness/berth.js'
import type {InstallServer} from '../harness/install-server.js'
import {TestHostPool} from '../hosts/index.js'
import {startEngineInstallServer} from '../harness/engine-install.js'
import {TEST_CREDENTIALS, startEc2Simulator, type Ec2Simulator, type InjectedFault} from '../simulators/ec2/index.js'

const errorLines = (result: RunResult): string[] => result.stderr.split('\n').filter((line) => line.startsWith('Error'))
const ID = /\b(i|sg|vpc|subnet)-0[0-9a-f]{16}\b/g

// Creation that fails at every step, or is interrupted, leaves nothing behind in EC2 or in the store; a machine
// kept half-made is removed exactly as far as it exists. The EC2 simulator backs launched instances with test hosts.
describe('amazonec2 create failures and removal of half-made machines', () => {
  let sandbox: BerthSandbox
  let pool: TestHostPool
  let sim: Ec2Simulator
  let install: {url: string; server: InstallServer}

  beforeAll(async () => {
    sandbox = await BerthSandbox.create()
    pool = new TestHostPool()
    const anchor = await pool.up('ec2-fail-anchor', {init: 'sysv'})
    install = await startEngineInstallServer(anchor.gateway)
    // New instances stay invisible to DescribeInstances and TerminateInstances for a moment, as on EC2: a roll-back
    // right after a launch must still find the instance.
    sim = await startEc2Simulator({hosts: pool, rules: {visibilityDelayMs: 1000}})
  })

  afterEach(() => {
    sim.clearFaults()
  })

  afterAll(async () => {
    await sim?.stop()
    await install?.server.close()
    await pool?.dispose()
    await sandbox?.dispose()
  })

  const env = {AWS_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: TEST_CREDENTIALS.secretAccessKey}
  const createArgs = (name: string, extra: readonly string[] = []): string[] => ['create', '-d', 'amazonec2', '--amazonec2-endpoint', sim.endpoint, '--engine-install-url', install.url, ...extra, name]
  const berth = (args: readonly string[]): Promise<RunResult> => sandbox.run(args, {env})

  /** After a failure: no instance, key pair or security group left in EC2, and no machine in the store. */
  async function expectNothingLeft(): Promise<void> {
    await sim.settle()
    expect(sim.leftovers()).toEqual([])
    expect((await berth(['ls', '-q'])).stdout).toBe('')
  }

  const denied = (action: string): InjectedFault & {action: string} => ({action, code: 'UnauthorizedOperation', message: `You are not authorized to perform this operation. User: arn:aws:iam::123456789012:user/berth is not authorized to perform: ec2:${action}`})
  const steps: {step: string; faults: (InjectedFault & {action: string})[]; line: string}[] = [
    {step: 'importing the key pair', faults: [denied('ImportKeyPair')], line: 'Error: The AWS credentials may not call ec2:ImportKeyPair (UnauthorizedOperation). Allow ec2:ImportKeyPair in the IAM policy of the user or role.'},
    {step: 'looking for the security group', faults: [denied('DescribeSecurityGroups')], line: 'Error: The AWS credentials may not call ec2:DescribeSecurityGroups (UnauthorizedOperation). Allow ec2:DescribeSecurityGroups in the IAM policy of the user or role.'},
    {step: 'creating the security group', faults: [denied('CreateSecurityGroup')], line: 'Error: The AWS credentials may not call ec2:CreateSecurityGroup (UnauthorizedOperation). Allow ec2:CreateSecurityGroup in the IAM policy of the user or role.'},
    {step: 'opening the ports', faults: [denied('AuthorizeSecurityGroupIngress')], line: 'Error: The AWS credentials may not call ec2:AuthorizeSecurityGroupIngress (UnauthorizedOperation). Allow ec2:AuthorizeSecurityGroupIngress in the IAM policy of the user or role.'},
    {
      step: 'launching, with no capacity (a server error, retried until the attempts are spent)',
      faults: [{action: 'RunInstances', code: 'InsufficientInstanceCapacity', times: 5}],
      line: 'Error: AWS has no t3.medium capacity in us-east-1a right now (InsufficientInstanceCapacity). Try another zone (--amazonec2-zone) or instance type (--amazonec2-instance-type), or try again later.',
    },
    {
      step: 'launching, over the instance quota',
      faults: [{action: 'RunInstances', code: 'InstanceLimitExceeded'}],
      line: 'Error: The account\'s EC2 quota in us-east-1 allows no more instances of this kind (InstanceLimitExceeded). Remove instances you no longer need, or ask AWS for a higher quota (Service Quotas console).',
    },
    {
      step: 'waiting for the instance (the second DescribeInstances fails)',
      faults: [{...denied('DescribeInstances'), nth: 2}],
      line: 'Error: The AWS credentials may not call ec2:DescribeInstances (UnauthorizedOperation). Allow ec2:DescribeInstances in the IAM policy of the user or role.',
    },
    {
      step: 'any call, with EC2 failing on the server side until the attempts are spent',
      faults: [{action: 'CreateSecurityGroup', code: 'InternalError', times: 5}],
      line: 'Error: EC2 in us-east-1 at ENDPOINT failed CreateSecurityGroup (InternalError, HTTP 500) through 5 attempts. This is a problem on AWS\'s side: try again later.',
    },
  ]

  it.each(steps)('a failure while $step: one line, exit 1, everything made so far removed', async ({faults, line}) => {
    for (const {action, ...fault} of faults) sim.inject(action, fault)
    const result = await berth(createArgs('f1'))
    expect(result.code).toBe(1)
    expect(errorLines(result).map((found) => found.replace(sim.endpoint, 'ENDPOINT'))).toEqual([line])
    await expectNothingLeft()
  }, 240_000)

  it('an instance that EC2 terminates while it starts: the reason in one line, and nothing left', async () => {
    sim.failNextLaunch({code: 'Server.InsufficientInstanceCapacity', message: 'Server.InsufficientInstanceCapacity: Insufficient capacity.'})
    const result = await berth(createArgs('f2'))
    expect(result.code).toBe(1)
    expect(errorLines(result).map((found) => found.replace(ID, '$1-ID'))).toEqual(['Error: The instance i-ID was terminated while it was starting: Server.InsufficientInstanceCapacity: Insufficient capacity. Try again, perhaps with another zone or instance type.'])
    await expectNothingLeft()
  }, 240_000)

  it('provisioning that fails on the running instance: the instance, key pair and group are removed', async () => {
    const result = await berth(['create', '-d', 'amazonec2', '--amazonec2-endpoint', sim.endpoint, '--engine-install-url', install.url.replace('/install.sh', '/missing.sh'), 'f3'])
    expect(result.code).toBe(1)
    expect(errorLines(result)).toEqual([expect.stringMatching(/^Error: Provisioning failed at step "engine\.install" /)])
    expect(sim.callsTo('TerminateInstances').filter((call) => !call.code)).not.toHaveLength(0)
    await expectNothingLeft()
  }, 240_000)

  it('answers lost after EC2 carried the call out: retries make nothing twice, and everything made is recorded and removed', async () => {
    for (const action of ['ImportKeyPair', 'CreateSecurityGroup', 'RunInstances']) sim.inject(action, {code: 'InternalError', afterEffect: true})
    // Provisioning fails at the end, so the roll-back shows that all that was made had been recorded.
    const result = await berth(['create', '-d', 'amazonec2', '--amazonec2-endpoint', sim.endpoint, '--engine-install-url', install.url.replace('/install.sh', '/missing.sh'), 'f7'])
    expect(result.code).toBe(1)
    expect(errorLines(result)).toEqual([expect.stringMatching(/^Error: Provisioning failed at step "engine\.install" /)])
    for (const action of ['ImportKeyPair', 'CreateSecurityGroup', 'RunInstances']) expect(sim.callsTo(action).slice(-2).map((call) => call.code ?? 'ok'), action).toEqual(['InternalError', action === 'RunInstances' ? 'ok' : expect.stringMatching(/\.Duplicate$/)])
    expect(sim.region('us-east-1').instances.filter((instance) => instance.tags.some((tag) => tag.key === 'berth:machine' && tag.value === 'f7'))).toHaveLength(1)
    await expectNothingLeft()
  }, 240_000)

  it('Ctrl-C while the instance boots: berth removes what it made, and nothing is left', async () => {
    const launchesBefore = sim.callsTo('RunInstances').filter((call) => call.code === undefined).length
    const child = spawn('node', [join(repoRoot, 'bin', 'run.cjs'), ...createArgs('f4')], {env: {...sandbox.env, ...env}, stdio: ['ignore', 'pipe', 'pipe']})
    let stderr = ''
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString()
    })
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
    for (let waited = 0; sim.callsTo('RunInstances').filter((call) => call.code === undefined).length === launchesBefore; waited += 100) {
      expect(waited, stderr).toBeLessThan(60_000)
      await sleep(100)
    }
    child.kill('SIGINT')
    const code = await exited
    expect(code, stderr).toBe(130)
    expect(stderr).toMatch(/^Error: Interrupted/m)
    await expectNothingLeft()
  }, 240_000)

  it('Ctrl-C while the security group gets its rules: the group and the key pair go, no instance is launched', async () => {
    sim.inject('AuthorizeSecurityGroupIngress', {hangMs: 3000})
    const runsBefore = sim.callsTo('RunInstances').length
    const authorizationsBefore = sim.callsTo('AuthorizeSecurityGroupIngress').length
    const child = spawn('node', [join(repoRoot, 'bin', 'run.cjs'), ...createArgs('f5')], {env: {...sandbox.env, ...env}, stdio: ['ignore', 'pipe', 'pipe']})
    let stderr = ''
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString()
    })
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
    for (let waited = 0; sim.callsTo('AuthorizeSecurityGroupIngress').length === authorizationsBefore; waited += 100) {
      expect(waited, stderr).toBeLessThan(60_000)
      await sleep(100)
    }
    child.kill('SIGINT')
    expect(await exited, stderr).toBe(130)
    expect(stderr).toMatch(/^Error: Interrupted/m)
    expect(sim.region('us-east-1').groups.some((group) => group.name === 'berth-f5')).toBe(false)
    expect(sim.callsTo('DeleteSecurityGroup').at(-1)?.code).toBeUndefined()
    expect(sim.callsTo('RunInstances').length).toBe(runsBefore)
    await expectNothingLeft()
  }, 240_000)

  it('rm of a machine kept half-made removes what exists, tolerates what is already gone, and may be run again after a failure', async () => {
    sim.inject('RunInstances', denied('RunInstances'))
    const kept = await berth([...createArgs('f6', ['--keep-on-failure'])])
    expect(kept.code).toBe(1)
    expect(kept.stderr).toContain('"f6" was kept as it is (--keep-on-failure)')
    const region = sim.region('us-east-1')
    expect(region.made().keyPairs).toHaveLength(1)
    expect(region.made().groups).toHaveLength(1)
    expect((await berth(['ls', '--format', '{{.Name}} {{.State}}'])).stdout).toBe('f6 NotFound\n')
    // The key pair went behind berth's back.
    region.keyPairs.length = 0

    sim.inject('DeleteSecurityGroup', denied('DeleteSecurityGroup'))
    const failed = await berth(['rm', '-y', 'f6'])
    expect(failed.code).toBe(1)
    expect(errorLines(failed)).toEqual(['Error: The AWS credentials may not call ec2:DeleteSecurityGroup (UnauthorizedOperation). Allow ec2:DeleteSecurityGroup in the IAM policy of the user or role. The machine is kept with the resource left; run "berth rm f6" again once the cause is fixed.'])
    expect(region.made().groups).toHaveLength(1)

    const removed = await berth(['rm', '-y', 'f6'])
    expect(errorLines(removed)).toEqual([])
    expect(removed.code).toBe(0)
    await expectNothingLeft()
  }, 240_000)
})
