import {execFile} from 'node:child_process'
import {readFile} from 'node:fs/promises'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {connectDigitalOcean} from '../../drivers/digitalocean/api.js'
import {DigitalOceanApiError} from '../../drivers/digitalocean/api-error.js'
import {apiBase, BERTH_TAG} from '../../drivers/digitalocean/settings.js'
import {BerthSandbox, repoRoot, type RunResult} from '../harness/berth.js'

// The lifecycle against the real DigitalOcean API (`npm run test:live`): it makes a real droplet, which costs money
// for the minutes it runs. Skipped unless DIGITALOCEAN_ACCESS_TOKEN is set. DIGITALOCEAN_REGION, _SIZE and _IMAGE
// choose other than the defaults; the engine comes from get.docker.com.

const token = process.env.DIGITALOCEAN_ACCESS_TOKEN
const passedOn = ['DIGITALOCEAN_ACCESS_TOKEN', 'DIGITALOCEAN_API_URL', 'DIGITALOCEAN_REGION', 'DIGITALOCEAN_SIZE', 'DIGITALOCEAN_IMAGE']
const STEP_MS = 15 * 60_000

describe.skipIf(token === undefined || token === '')('the digitalocean driver against the real API', () => {
  let sandbox: BerthSandbox
  const name = `berth-live-${Date.now().toString(36)}`
  let resources: {kind: string; id: string; fingerprint?: string}[] = []

  beforeAll(async () => {
    sandbox = await BerthSandbox.create()
  })

  afterAll(async () => {
    // Whatever happened above, the droplet and key go (rm -f forgets the machine even when the driver fails).
    await berth(['rm', '-f', name])
    await sandbox?.dispose()
  }, STEP_MS)

  /** berth with the user's DigitalOcean settings, and time for a real cloud. */
  function berth(args: readonly string[]): Promise<RunResult> {
    const env = {...sandbox.env, ...Object.fromEntries(passedOn.filter((key) => process.env[key] !== undefined).map((key) => [key, process.env[key]]))}
    return new Promise((resolve) => {
      const child = execFile('node', [join(repoRoot, 'bin', 'run.cjs'), ...args], {env, timeout: STEP_MS, maxBuffer: 16 * 1024 * 1024}, (error, stdout, stderr) => {
        resolve({code: error === null ? 0 : typeof error.code === 'number' ? error.code : 1, stdout, stderr})
      })
      child.stdin?.end()
    })
  }

  const ok = (result: RunResult): void => {
    expect(result.stderr.split('\n').filter((line) => line.startsWith('Error'))).toEqual([])
    expect(result.code).toBe(0)
  }

  it('creates a droplet and docker runs there', async () => {
    ok(await berth(['create', '-d', 'digitalocean', name]))
    const config = JSON.parse(await readFile(join(sandbox.storePath, 'machines', name, 'config.json'), 'utf8')) as {resources: typeof resources}
    resources = config.resources
    expect(resources.map((resource) => resource.kind)).toEqual(['ssh-key', 'droplet'])
    const ran = await sandbox.sh(`eval "$($BERTH env ${name})" && docker run --rm busybox echo live`)
    expect(ran.stdout).toBe('live\n')
  }, STEP_MS)

  it('stops, starts and restarts it, and docker still works', async () => {
    ok(await berth(['stop', name]))
    expect((await berth(['status', name])).stdout).toBe('Stopped\n')
    ok(await berth(['start', name]))
    ok(await berth(['restart', name]))
    expect((await sandbox.sh(`eval "$($BERTH env ${name})" && docker version --format "{{.Server.Version}}"`)).code).toBe(0)
  }, STEP_MS)

  it('rm removes the droplet and the imported key', async () => {
    ok(await berth(['rm', '-y', name]))
    const api = await connectDigitalOcean({baseUrl: apiBase(process.env.DIGITALOCEAN_API_URL ?? 'https://api.digitalocean.com'), token: token!})
    const signal = AbortSignal.timeout(60_000)
    expect((await api.dropletsByTag(BERTH_TAG, signal)).filter((droplet) => droplet.name === name)).toEqual([])
    const key = resources.find((resource) => resource.kind === 'ssh-key')!
    const gone = await api.sshKey(key.id, signal).catch((error: unknown) => error)
    expect(gone).toBeInstanceOf(DigitalOceanApiError)
    expect((gone as DigitalOceanApiError).status).toBe(404)
  }, STEP_MS)
})
