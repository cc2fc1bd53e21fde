import {execFile} from 'node:child_process'
import {readFile} from 'node:fs/promises'
import {homedir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {Ec2Api} from '../../drivers/amazonec2/client.js'
import {credentialSource} from '../../drivers/amazonec2/credentials.js'
import {MACHINE_TAG} from '../../drivers/amazonec2/instance.js'
import {BerthSandbox, repoRoot, type RunResult} from '../harness/berth.js'

// The lifecycle against the real EC2 (`npm run test:live`): it launches a real instance, which costs money for the
// minutes it runs. Skipped unless AWS credentials are in the environment (AWS_ACCESS_KEY_ID and
// AWS_SECRET_ACCESS_KEY, or AWS_PROFILE with the shared files). AWS_DEFAULT_REGION and AWS_INSTANCE_TYPE choose
// other than us-east-1 and t3.micro; the engine comes from get.docker.com.

const env = process.env
const hasCredentials = (env.AWS_ACCESS_KEY_ID ?? '') !== '' || (env.AWS_PROFILE ?? '') !== ''
const passedOn = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE', 'AWS_DEFAULT_REGION', 'AWS_ENDPOINT']
const STEP_MS = 15 * 60_000

describe.skipIf(!hasCredentials)('the amazonec2 driver against the real EC2', () => {
  let sandbox: BerthSandbox
  const name = `berth-live-${Date.now().toString(36)}`
  const region = env.AWS_DEFAULT_REGION ?? 'us-east-1'
  let resources: {kind: string; id: string}[] = []

  beforeAll(async () => {
    sandbox = await BerthSandbox.create()
  })

  afterAll(async () => {
    // Whatever happened above, what berth made goes (rm -f forgets the machine even when the driver fails).
    await berth(['rm', '-f', name])
    await sandbox?.dispose()
  }, STEP_MS)

  /** berth with the user's AWS settings (the sandbox's HOME has no ~/.aws), and time for a real cloud. */
  function berth(args: readonly string[]): Promise<RunResult> {
    const childEnv = {
      ...sandbox.env,
      AWS_SHARED_CREDENTIALS_FILE: env.AWS_SHARED_CREDENTIALS_FILE ?? join(homedir(), '.aws', 'credentials'),
      AWS_CONFIG_FILE: env.AWS_CONFIG_FILE ?? join(homedir(), '.aws', 'config'),
      AWS_INSTANCE_TYPE: env.AWS_INSTANCE_TYPE ?? 't3.micro',
      ...Object.fromEntries(passedOn.filter((key) => env[key] !== undefined).map((key) => [key, env[key]])),
    }
    return new Promise((resolve) => {
      const child = execFile('node', [join(repoRoot, 'bin', 'run.cjs'), ...args], {env: childEnv, timeout: STEP_MS, maxBuffer: 16 * 1024 * 1024}, (error, stdout, stderr) => {
        resolve({code: error === null ? 0 : typeof error.code === 'number' ? error.code : 1, stdout, stderr})
      })
      child.stdin?.end()
    })
  }

  const ok = (result: RunResult): void => {
    expect(result.stderr.split('\n').filter((line) => line.startsWith('Error'))).toEqual([])
    expect(result.code).toBe(0)
  }

  it('creates an instance of the current Ubuntu LTS and docker runs there', async () => {
    ok(await berth(['create', '-d', 'amazonec2', name]))
    const config = JSON.parse(await readFile(join(sandbox.storePath, 'machines', name, 'config.json'), 'utf8')) as {resources: typeof resources}
    resources = config.resources
    expect(resources.map((resource) => resource.kind)).toEqual(['key-pair', 'security-group', 'instance'])
    const ran = await sandbox.sh(`eval "$($BERTH env ${name})" && docker run --rm busybox echo live`)
    expect(ran.stdout).toBe('live\n')
  }, STEP_MS)

  it('stops, starts at a new address, restarts and kills it, and docker still works', async () => {
    const before = (await berth(['ip', name])).stdout
    ok(await berth(['stop', name]))
    expect((await berth(['status', name])).stdout).toBe('Stopped\n')
    ok(await berth(['start', name]))
    expect((await berth(['ip', name])).stdout).not.toBe(before)
    ok(await berth(['restart', name]))
    expect((await sandbox.sh(`eval "$($BERTH env ${name})" && docker version --format "{{.Server.Version}}"`)).code).toBe(0)
    ok(await berth(['kill', name]))
  }, STEP_MS)

  it('rm terminates the instance and deletes the key pair and the security group', async () => {
    ok(await berth(['rm', '-y', name]))
    const profile = env.AWS_PROFILE === '' ? undefined : env.AWS_PROFILE
    const read = (flag: string): string | undefined => ({'amazonec2-access-key': env.AWS_ACCESS_KEY_ID, 'amazonec2-secret-key': env.AWS_SECRET_ACCESS_KEY, 'amazonec2-session-token': env.AWS_SESSION_TOKEN})[flag] || undefined
    const api = new Ec2Api({region, credentials: credentialSource(read, profile), maxAttempts: 5, ...(env.AWS_ENDPOINT === undefined ? {} : {endpoint: env.AWS_ENDPOINT})})
    const signal = AbortSignal.timeout(60_000)
    try {
      const instances = await api.instancesByFilter([{name: `tag:${MACHINE_TAG}`, values: [name]}], signal)
      expect(instances.map((instance) => instance.state)).toEqual(['terminated'])
      expect(await api.keyPairExists(resources.find((resource) => resource.kind === 'key-pair')!.id, signal)).toBe(false)
      const vpcId = await api.defaultVpc(signal)
      expect(await api.securityGroups(vpcId!, [`berth-${name}`], signal)).toEqual([])
    } finally {
      api.destroy()
    }
  }, STEP_MS)
})
