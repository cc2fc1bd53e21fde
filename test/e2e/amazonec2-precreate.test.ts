import {execFile} from 'node:child_process'
import {readdir} from 'node:fs/promises'
import {join} from 'node:path'
import {promisify} from 'node:util'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {BerthSandbox, type RunResult} from '../harness/berth.js'
import {TEST_CREDENTIALS, startEc2Simulator, type Ec2Simulator} from '../simulators/ec2/index.js'

const errorLines = (result: RunResult): string[] => result.stderr.split('\n').filter((line) => line.startsWith('Error'))

// The pre-create check against the EC2 simulator: every mistake is one line and exit 3, before anything is made
// in EC2 or in the store. No instance is launched here, so no test host is needed. What EC2 itself would refuse
// (regions not enabled, root volumes EBS does not take) is in test/faults/cloud-checks.test.ts.
describe('amazonec2 pre-create checks', () => {
  let sandbox: BerthSandbox
  let sim: Ec2Simulator

  beforeAll(async () => {
    sandbox = await BerthSandbox.create()
    sim = await startEc2Simulator()
    await promisify(execFile)('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'mine', '-f', join(sandbox.dir, 'mine')])
  })

  afterAll(async () => {
    await sim?.stop()
    await sandbox?.dispose()
  })

  // "@/" in a flag is the sandbox's directory (known once it exists).
  const create = (flags: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<RunResult> => sandbox.run(
    ['create', '-d', 'amazonec2', '--amazonec2-endpoint', sim.endpoint, ...flags.map((flag) => flag.replace(/^@\//, `${sandbox.dir}/`)), 'p1'],
    {env: {AWS_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: TEST_CREDENTIALS.secretAccessKey, ...env}},
  )

  const cases: {name: string; flags?: string[]; env?: NodeJS.ProcessEnv; line: string}[] = [
    {
      name: 'an unknown access key',
      env: {AWS_ACCESS_KEY_ID: 'AKIAUNKNOWNUNKNOWN00'},
      line: 'Error: AWS did not accept the credentials (AuthFailure). Set --amazonec2-access-key and --amazonec2-secret-key (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY), or name a profile of the shared AWS files with --amazonec2-profile (AWS_PROFILE).',
    },
    {
      name: 'a wrong secret key',
      env: {AWS_SECRET_ACCESS_KEY: 'not-the-secret'},
      line: 'Error: AWS did not accept the credentials (AuthFailure). Set --amazonec2-access-key and --amazonec2-secret-key (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY), or name a profile of the shared AWS files with --amazonec2-profile (AWS_PROFILE).',
    },
    {
      name: 'an unknown region',
      flags: ['--amazonec2-region', 'xx-nowhere-1'],
      line: 'Error: Unknown AWS region "xx-nowhere-1". Pass --amazonec2-region (AWS_DEFAULT_REGION) with a region such as us-east-1 or eu-west-1.',
    },
    {
      name: 'an AMI that does not exist in the region',
      flags: ['--amazonec2-ami', 'ami-0123456789abcdef0'],
      line: 'Error: The AMI ami-0123456789abcdef0 cannot be used in us-east-1 (InvalidAMIID.NotFound). AMI ids differ per region: pass one of us-east-1 with --amazonec2-ami, or leave it out for Ubuntu LTS.',
    },
    {
      name: 'an unknown instance type',
      flags: ['--amazonec2-instance-type', 't9.huge'],
      line: 'Error: Unknown instance type "t9.huge". Pass an EC2 instance type such as t3.medium or m7i.large with --amazonec2-instance-type.',
    },
    {
      name: 'an instance type the zone does not offer',
      flags: ['--amazonec2-zone', 'e'],
      line: 'Error: The instance type t3.medium is not offered in us-east-1e. Choose another zone (--amazonec2-zone) or instance type (--amazonec2-instance-type).',
    },
    {
      name: 'a key pair that does not exist',
      flags: ['--amazonec2-keypair-name', 'mine', '--amazonec2-ssh-keypath', '@/mine'],
      line: 'Error: The key pair "mine" does not exist in us-east-1. Pass the name of an EC2 key pair of this region with --amazonec2-keypair-name, or leave it out: berth then imports a key of its own.',
    },
    {
      name: 'read-only security groups that do not exist',
      flags: ['--amazonec2-security-group', 'web', '--amazonec2-security-group-readonly'],
      line: 'Error: The security group "web" does not exist in VPC, and --amazonec2-security-group-readonly forbids making it. Name existing groups with --amazonec2-security-group, or leave out --amazonec2-security-group-readonly.',
    },
    {
      name: 'a subnet that does not exist',
      flags: ['--amazonec2-subnet-id', 'subnet-0123456789abcdef0'],
      line: 'Error: The subnet subnet-0123456789abcdef0 does not exist in us-east-1. Pass a subnet of this region with --amazonec2-subnet-id.',
    },
  ]

  it.each(cases)('$name: one line, exit 3, nothing made', async ({flags = [], env = {}, line}) => {
    const callsBefore = sim.calls.length
    const result = await create(flags, env)
    expect(result.code).toBe(3)
    expect(result.stdout).toBe('')
    expect(errorLines(result).map((found) => found.replace(/vpc-0[0-9a-f]{16}/, 'VPC'))).toEqual([line])
    const made = sim.calls.slice(callsBefore).filter((call) => !/^Describe/.test(call.action))
    expect(made).toEqual([])
    expect(sim.leftovers()).toEqual([])
    expect(await readdir(sandbox.storePath).catch(() => [])).not.toContain('machines')
  })

  it.each([
    {flags: ['--amazonec2-tags', 'team'], env: {}, line: 'Error: --amazonec2-tags "team" needs a value for every key. Use key1,value1,key2,value2.'},
    {flags: [], env: {AWS_SECRET_ACCESS_KEY: ''}, line: 'Error: An AWS access key was given without its secret key. Pass --amazonec2-secret-key (or set AWS_SECRET_ACCESS_KEY) with it.'},
    {flags: ['--amazonec2-spot-price', '0.05'], env: {}, line: 'Error: --amazonec2-spot-price needs --amazonec2-request-spot-instance.'},
  ])('flags that are wrong before any call ($line): exit 1, no EC2 call at all', async ({flags, env, line}) => {
    const callsBefore = sim.calls.length
    const result = await create(flags, env)
    expect(result.code).toBe(1)
    expect(errorLines(result)).toEqual([line])
    expect(sim.calls.length).toBe(callsBefore)
  })

  it('throttling during the checks is retried, and the check then passes on to what is wrong', async () => {
    sim.throttle('DescribeRegions', 2)
    const result = await create(['--amazonec2-instance-type', 't9.huge'])
    expect(result.code).toBe(3)
    expect(errorLines(result)).toEqual(['Error: Unknown instance type "t9.huge". Pass an EC2 instance type such as t3.medium or m7i.large with --amazonec2-instance-type.'])
    expect(sim.callsTo('DescribeRegions').slice(-3).map((call) => call.code ?? 'ok')).toEqual(['RequestLimitExceeded', 'RequestLimitExceeded', 'ok'])
  })
})
