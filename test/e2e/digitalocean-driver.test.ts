import {readdir, readFile, stat, writeFile} from 'node:fs/promises'
import {join} from 'node:path'
import {pathToFileURL} from 'node:url'
import ssh2 from 'ssh2'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {BerthSandbox, type RunResult} from '../harness/berth.js'
import {busyboxTarball} from '../harness/busybox-image.js'
import {proveDockerWorks} from '../harness/docker-via-env.js'
import {TestHostPool} from '../hosts/index.js'
import {startEngineSource} from '../simulators/digitalocean/engine-source.js'
import {serverError, startDigitalOceanSimulator, throttled, type DigitalOceanSimulator} from '../simulators/digitalocean/index.js'

// The digitalocean driver through the real CLI, digitalocean-js and the simulated v2 API, each droplet a test host
// without docker whose engine berth installs: create, docker through env, stop (a shutdown that fails, then power
// off), start at a new address (a new server certificate), restart, kill, ls over two accounts, secrets, rm.

const TOKEN_A = 'dop_v1_aaaa1111aaaa1111aaaa1111aaaa1111aaaa1111aaaa1111aaaa1111aaaa1111'
const TOKEN_B = 'dop_v1_bbbb2222bbbb2222bbbb2222bbbb2222bbbb2222bbbb2222bbbb2222bbbb2222'
const errorLines = (result: RunResult): string[] => result.stderr.split('\n').filter((line) => line.startsWith('Error'))

describe('create -d digitalocean against the simulated API', () => {
  let sandbox: BerthSandbox
  let pool: TestHostPool
  let sim: DigitalOceanSimulator
  let engine: Awaited<ReturnType<typeof startEngineSource>>
  let image: Awaited<ReturnType<typeof busyboxTarball>>
  let flags: string[]
  const outputs: string[] = []

  beforeAll(async () => {
    sandbox = await BerthSandbox.create()
    pool = new TestHostPool()
    // Its gateway serves the engine to droplets, whose hosts come and go.
    const anchor = await pool.up('do-anchor', {init: 'sysv'})
    engine = await startEngineSource(anchor.gateway)
    sim = await startDigitalOceanSimulator({hosts: pool, tokens: [TOKEN_A, TOKEN_B]})
    image = await busyboxTarball()
    flags = ['--digitalocean-api-url', sim.endpoint, '--engine-install-url', engine.installUrl]
  })

  afterAll(async () => {
    await sim?.stop()
    await engine?.close()
    await pool?.dispose()
    await image?.remove()
    await sandbox?.dispose()
  })

  /** berth with no token in its environment: later commands read the token kept at create. */
  const berth = async (args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<RunResult> => {
    const result = await sandbox.run(args, {env})
    outputs.push(result.stdout, result.stderr)
    return result
  }
  const dropletOf = (name: string) => sim.droplets().find((droplet) => droplet.name === name)!
  const hostOf = (name: string) => sim.host(dropletOf(name).id)!
  const serverCert = async (name: string): Promise<string> => (await hostOf(name).exec('sha256sum /etc/docker/server.pem')).stdout

  it('imports a key, makes a tagged droplet (through throttling and a server error), installs the engine, and docker runs there', async () => {
    sim.fail({route: 'POST /v2/droplets', answer: throttled(1)})
    sim.fail({route: 'GET /v2/droplets/:id', answer: serverError(502)})
    const created = await berth(['--debug', 'create', '-d', 'digitalocean', ...flags, '--digitalocean-access-token', TOKEN_A, '--digitalocean-tags', 'team:web,stage', '--digitalocean-ipv6', 'd1'])
    expect(errorLines(created)).toEqual([])
    expect(created.code).toBe(0)
    expect(created.stderr).toMatch(/Importing the SSH key berth-d1 \(([0-9a-f]{2}:){15}[0-9a-f]{2}\)/)
    expect(created.stderr).toContain('Creating droplet "d1" (s-1vcpu-2gb, ubuntu-24-04-x64) in nyc3')
    expect(sim.count('POST /v2/droplets')).toBe(2)
    expect(engine.requests).toEqual(['/install.sh', '/engine.tar'])

    const droplet = dropletOf('d1')
    expect(droplet).toMatchObject({status: 'active', tags: ['berth', 'team:web', 'stage'], token: TOKEN_A})
    const publicKey = (await readFile(join(sandbox.storePath, 'machines', 'd1', 'id_ed25519.pub'), 'utf8')).trim()
    expect(sim.keys()).toEqual([expect.objectContaining({name: 'berth-d1', publicKey, token: TOKEN_A})])
    const config = JSON.parse(await readFile(join(sandbox.storePath, 'machines', 'd1', 'config.json'), 'utf8')) as {driver: {state: Record<string, unknown>}; resources: unknown[]; endpoint: {url: string}}
    expect(config.driver.state).toMatchObject({dropletId: droplet.id, accountUuid: expect.any(String) as unknown, region: 'nyc3', size: 's-1vcpu-2gb', image: 'ubuntu-24-04-x64', apiUrl: `${sim.endpoint}/v2`, ipv6: true})
    expect(config.resources).toEqual([
      {kind: 'ssh-key', id: String(sim.keys()[0]!.id), fingerprint: sim.keys()[0]!.fingerprint, name: 'berth-d1'},
      {kind: 'droplet', id: String(droplet.id), name: 'd1'},
    ])
    expect(config.endpoint.url).toBe(`tcp://${droplet.ip}:2376`)
    await proveDockerWorks(sandbox, 'd1', image.path)
  })

  it('loads digitalocean-js only for commands that talk to the API', async () => {
    // A module hook that notes every import of the SDK.
    const log = join(sandbox.dir, 'sdk-loads.log')
    const hooks = join(sandbox.dir, 'sdk-hooks.mjs')
    const register = join(sandbox.dir, 'sdk-register.mjs')
    await writeFile(hooks, `import {appendFileSync} from 'node:fs'
export async function resolve(specifier, context, next) {
  if (specifier.startsWith('digitalocean-js')) appendFileSync(${JSON.stringify(log)}, specifier + '\\n')
  return next(specifier, context)
}
`)
    await writeFile(register, `import {register} from 'node:module'\nregister(${JSON.stringify(pathToFileURL(hooks).href)})\n`)
    const loads = async (args: readonly string[]): Promise<string[]> => {
      await writeFile(log, '')
      const result = await berth(args, {NODE_OPTIONS: `--import ${register}`})
      expect(result.code, result.stderr).toBe(0)
      return (await readFile(log, 'utf8')).split('\n').filter(Boolean)
    }
    for (const args of [['env', 'd1'], ['config', 'd1'], ['inspect', 'd1'], ['create', '-d', 'digitalocean', '--help'], ['drivers']]) expect(await loads(args), args.join(' ')).toEqual([])
    for (const args of [['status', 'd1'], ['ip', 'd1']]) expect(await loads(args), args.join(' ')).toContain('digitalocean-js')
  })

  it('stop powers the droplet off when its shutdown fails; start brings it up at a new address with a new server certificate', async () => {
    const before = {ip: dropletOf('d1').ip!, cert: await serverCert('d1')}
    sim.failShutdowns(1)
    const stopped = await berth(['stop', 'd1'])
    expect(errorLines(stopped)).toEqual([])
    expect(stopped.stderr).toMatch(/Droplet \d+ did not shut down \(the shutdown action failed\); powering it off/)
    expect(stopped.stderr).toContain('Machine "d1" was stopped.')
    expect(dropletOf('d1').status).toBe('off')
    expect(hostOf('d1').running).toBe(false)
    expect((await berth(['status', 'd1'])).stdout).toBe('Stopped\n')

    const started = await berth(['start', 'd1'])
    expect(errorLines(started)).toEqual([])
    const moved = dropletOf('d1').ip!
    expect(moved).not.toBe(before.ip)
    expect(started.stderr).toContain(`Machine "d1" has a new address: ${moved} (it was ${before.ip}). Issuing its engine a server certificate for it.`)
    expect(await serverCert('d1')).not.toBe(before.cert)
    expect((await berth(['url', 'd1'])).stdout).toBe(`tcp://${moved}:2376\n`)
    await proveDockerWorks(sandbox, 'd1', image.path)
  })

  it('restart reboots the droplet in place; kill powers it off at once', async () => {
    const ip = dropletOf('d1').ip
    const restarted = await berth(['restart', 'd1'])
    expect(errorLines(restarted)).toEqual([])
    expect(restarted.stderr).toContain('Machine "d1" was restarted.')
    expect(dropletOf('d1').ip).toBe(ip)
    await proveDockerWorks(sandbox, 'd1', image.path)

    const killed = await berth(['kill', 'd1'])
    expect(errorLines(killed)).toEqual([])
    expect(dropletOf('d1').status).toBe('off')
    expect((await berth(['start', 'd1'])).code).toBe(0)
    expect((await berth(['status', 'd1'])).stdout).toBe('Running\n')
  })

  it('makes a droplet as the flags say with a key of the account, and ls asks each account once for all its machines', async () => {
    const own = ssh2.utils.generateKeyPairSync('ed25519', {comment: 'mine'})
    const keyPath = join(sandbox.dir, 'my-key')
    await writeFile(keyPath, own.private, {mode: 0o600})
    const mine = sim.addKey('my laptop', own.public, TOKEN_B)
    const userdata = join(sandbox.dir, 'cloud-config.yaml')
    await writeFile(userdata, '#cloud-config\npackages: [htop]\n')
    const created = await berth(['create', '-d', 'digitalocean', ...flags, '--digitalocean-access-token', TOKEN_B, '--digitalocean-region', 'ams3', '--digitalocean-size', 's-2vcpu-4gb',
      '--digitalocean-image', 'debian-12-x64', '--digitalocean-backups', '--digitalocean-monitoring', '--digitalocean-private-networking', '--digitalocean-userdata', userdata,
      '--digitalocean-ssh-key-fingerprint', mine.fingerprint, '--digitalocean-ssh-key-path', keyPath, 'd2'])
    expect(errorLines(created)).toEqual([])
    expect(created.code).toBe(0)
    expect(dropletOf('d2')).toMatchObject({region: 'ams3', size: 's-2vcpu-4gb', image: 'debian-12-x64', backups: true, monitoring: true, ipv6: false, userData: '#cloud-config\npackages: [htop]\n'})
    expect(sim.keys().filter((key) => key.token === TOKEN_B)).toEqual([mine])
    expect((await berth(['ssh', 'd2', '--', 'hostname'])).stdout).toBe('d2\n')

    const listings = sim.count('GET /v2/droplets')
    const single = sim.count('GET /v2/droplets/:id')
    const listed = await berth(['ls'])
    expect(listed.stdout).toMatch(/^d1\s+-\s+digitalocean\s+Running\s+tcp:/m)
    expect(listed.stdout).toMatch(/^d2\s+-\s+digitalocean\s+Running\s+tcp:/m)
    // Each machine's kept token names its account: one listing per account, no request per machine.
    expect(sim.count('GET /v2/droplets') - listings).toBe(2)
    expect(sim.count('GET /v2/droplets/:id')).toBe(single)

    // A token of the other account in the environment wins over the kept one: d1 is not "gone" then, nor removable.
    const otherAccount = {DIGITALOCEAN_ACCESS_TOKEN: TOKEN_B}
    const status = await berth(['status', 'd1'], otherAccount)
    expect(status.code).toBe(1)
    expect(errorLines(status)).toEqual([expect.stringMatching(/^Error: Machine "d1" is in another DigitalOcean account than the one of the token berth was given \(.+@example\.com\)\. Set DIGITALOCEAN_ACCESS_TOKEN to a token of the machine's account/)])
    expect((await berth(['rm', '-y', 'd1'], otherAccount)).code).toBe(1)
    expect(dropletOf('d1').status).toBe('active')
    expect((await berth(['ls'], otherAccount)).stdout).toMatch(/^d1\s+-\s+digitalocean\s+Error\s/m)

    const removed = await berth(['rm', '-y', 'd2'])
    expect(errorLines(removed)).toEqual([])
    expect(sim.droplets().map((droplet) => droplet.name)).toEqual(['d1'])
    // The user's own key stays.
    expect(sim.keys().filter((key) => key.token === TOKEN_B)).toEqual([mine])
  })

  it('keeps the token out of config.json, inspect, --debug output and every other file of the store', async () => {
    // Every command's output so far (a --debug create among them), and these.
    expect((await berth(['--debug', 'ls'])).code).toBe(0)
    expect((await berth(['--debug', 'stop', 'd1'])).code).toBe(0)
    const inspect = await berth(['inspect', 'd1'])
    expect(inspect.code).toBe(0)
    for (const output of outputs) {
      expect(output).not.toContain(TOKEN_A)
      expect(output).not.toContain(TOKEN_B)
    }
    const holding: string[] = []
    for (const file of await filesUnder(sandbox.storePath)) {
      const text = await readFile(file, 'utf8').catch(() => '')
      if (text.includes(TOKEN_A) || text.includes(TOKEN_B)) holding.push(file.slice(sandbox.storePath.length + 1))
    }
    // The token typed at create, kept for d1's later commands, 0600.
    expect(holding).toEqual(['machines/d1/credentials.json'])
    expect((await stat(join(sandbox.storePath, 'machines', 'd1', 'credentials.json'))).mode & 0o777).toBe(0o600)
  })

  it('rm deletes the droplet and the key berth imported: nothing is left', async () => {
    const removed = await berth(['rm', '-y', 'd1'])
    expect(errorLines(removed)).toEqual([])
    expect(removed.stdout).toBe('Successfully removed d1\n')
    expect(sim.droplets()).toEqual([])
    expect(sim.keys().filter((key) => key.token === TOKEN_A)).toEqual([])
    expect((await berth(['ls', '-q'])).stdout).toBe('')
    expect(sim.hostErrors.filter((line) => !line.includes('did not shut down (simulated)'))).toEqual([])
  })
})

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, {withFileTypes: true, recursive: true})
  return entries.filter((entry) => entry.isFile()).map((entry) => join(entry.parentPath, entry.name))
}
