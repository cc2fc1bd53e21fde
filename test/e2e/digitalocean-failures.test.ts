import {spawn} from 'node:child_process'
import {existsSync} from 'node:fs'
import {join} from 'node:path'
import {setTimeout as sleep} from 'node:timers/promises'
import {afterAll, afterEach, beforeAll, describe, expect, it} from 'vitest'
import {BerthSandbox, repoRoot, type RunResult} from '../harness/berth.js'
import {TestHostPool} from '../hosts/index.js'
import {startEngineSource} from '../simulators/digitalocean/engine-source.js'
import {capacity, forbidden, serverError, startDigitalOceanSimulator, type DigitalOceanSimulator, type FailureRule} from '../simulators/digitalocean/index.js'

// What goes wrong: pre-create checks that refuse (exit 3, one line, nothing made), a failure at each step of create
// (nothing left behind), Ctrl-C in the middle of a create, and rm of a machine that is only half there. Regions,
// sizes and images the API would refuse are in test/faults/cloud-checks.test.ts.

const TOKEN = 'dop_v1_cccc3333cccc3333cccc3333cccc3333cccc3333cccc3333cccc3333cccc3333'
const errorLines = (result: RunResult): string[] => result.stderr.split('\n').filter((line) => line.startsWith('Error'))

describe('the digitalocean driver when things go wrong', () => {
  let sandbox: BerthSandbox
  let pool: TestHostPool
  let sim: DigitalOceanSimulator
  let engine: Awaited<ReturnType<typeof startEngineSource>>
  let api: string

  beforeAll(async () => {
    sandbox = await BerthSandbox.create()
    pool = new TestHostPool()
    const anchor = await pool.up('do-anchor-f', {init: 'sysv'})
    engine = await startEngineSource(anchor.gateway)
    sim = await startDigitalOceanSimulator({hosts: pool, tokens: [TOKEN]})
    api = sim.endpoint
  })

  afterAll(async () => {
    await sim?.stop()
    await engine?.close()
    await pool?.dispose()
    await sandbox?.dispose()
  })

  afterEach(() => {
    sim.clearFailures()
  })

  /** create NAME with the simulator's API and the engine source (or an install script that is not there). */
  const create = (name: string, extra: readonly string[] = [], options: {env?: NodeJS.ProcessEnv; missingEngine?: boolean} = {}): Promise<RunResult> => {
    const installUrl = options.missingEngine === true ? engine.installUrl.replace(/install\.sh$/, 'missing.sh') : engine.installUrl
    return sandbox.run(['create', '-d', 'digitalocean', '--digitalocean-api-url', api, '--engine-install-url', installUrl, ...extra, name], {env: options.env ?? {DIGITALOCEAN_ACCESS_TOKEN: TOKEN}})
  }
  const berth = (args: readonly string[]): Promise<RunResult> => sandbox.run(args, {env: {DIGITALOCEAN_ACCESS_TOKEN: TOKEN}})
  /** Nothing in the account, nothing in the store. */
  const expectNothingLeft = async (name: string): Promise<void> => {
    expect(sim.droplets()).toEqual([])
    expect(sim.keys()).toEqual([])
    expect(existsSync(join(sandbox.storePath, 'machines', name))).toBe(false)
    expect((await berth(['ls', '-q'])).stdout).toBe('')
  }

  const refusals: {what: string; flags: string[]; env?: NodeJS.ProcessEnv; line: RegExp}[] = [
    {what: 'no token', flags: [], env: {}, line: /^Error: No DigitalOcean access token\. Set DIGITALOCEAN_ACCESS_TOKEN \(or pass --digitalocean-access-token\)/},
    {what: 'a bad token', flags: ['--digitalocean-access-token', 'dop_v1_not_a_token_of_this_account'], env: {}, line: /^Error: DigitalOcean refused the access token while reading the account \(401 Unable to authenticate you\)\. Set DIGITALOCEAN_ACCESS_TOKEN/},
    {what: 'an unknown region', flags: ['--digitalocean-region', 'mars1'], line: /^Error: DigitalOcean has no region "mars1"\. Pass --digitalocean-region with one of: ams3, blr1, fra1, lon1, nyc1, nyc3, sfo3, sgp1, syd1, tor1\.$/},
    {what: 'an unknown size', flags: ['--digitalocean-size', 's-64vcpu-1tb'], line: /^Error: DigitalOcean has no droplet size "s-64vcpu-1tb"\. Pass --digitalocean-size with a size slug\. Sizes in nyc3 include: s-1vcpu-1gb, /},
    {what: 'an unknown image', flags: ['--digitalocean-image', 'ubuntu-10-04-x64'], line: /^Error: DigitalOcean has no image "ubuntu-10-04-x64"\. Pass --digitalocean-image/},
    {what: 'an unknown key', flags: ['--digitalocean-ssh-key-fingerprint', '00:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd:ee:ff', '--digitalocean-ssh-key-path', '/etc/ssh/ssh_host_ed25519_key'], line: /^Error: The SSH key \/etc\/ssh\/ssh_host_ed25519_key has the fingerprint ([0-9a-f]{2}:){15}[0-9a-f]{2}, not 00:11:/},
  ]

  it.each(refusals)('refuses $what before making anything: one line, exit 3', async ({flags, env, line}) => {
    const posts = sim.calls.filter((call) => call.method !== 'GET').length
    const refused = await create('p1', flags, env === undefined ? {} : {env})
    expect(refused.code).toBe(3)
    expect(errorLines(refused)).toEqual([expect.stringMatching(line)])
    expect(sim.calls.filter((call) => call.method !== 'GET').length).toBe(posts)
    await expectNothingLeft('p1')
  })

  const failures: {step: string; rule?: FailureRule; missingEngine?: boolean; line: RegExp; progress?: RegExp}[] = [
    {step: 'importing the key', rule: {route: 'POST /v2/account/keys', answer: forbidden}, line: /^Error: DigitalOcean refused importing SSH key berth-f1 \(403 You do not have access for the attempted action\.\)\. berth needs a token with read and write scopes/},
    {step: 'making the droplet', rule: {route: 'POST /v2/droplets', answer: capacity}, line: /^Error: DigitalOcean cannot make a s-1vcpu-2gb droplet in nyc3 now \(422 Size is not available in this region\.\)\. Choose another --digitalocean-region or --digitalocean-size/},
    {step: 'making the droplet, over the droplet limit', rule: {route: 'POST /v2/droplets', answer: {status: 422, id: 'unprocessable_entity', message: 'creating this/these droplet(s) will exceed your droplet limit'}}, line: /^Error: Creating the droplet would exceed the account's droplet limit \(422 creating this\/these droplet\(s\) will exceed your droplet limit\)\. Remove droplets/},
    {step: 'waiting for the droplet to be active', rule: {route: 'GET /v2/droplets/:id', answer: forbidden}, line: /^Error: DigitalOcean refused reading droplet \d+ \(403 You do not have access/},
    // The droplet's answer is lost (the droplet was made): berth finds and records it, and removes it with the rest.
    {step: 'provisioning', rule: {route: 'POST /v2/droplets', after: true, answer: serverError(500)}, missingEngine: true, line: /^Error: Provisioning failed at step "engine\.install"/,
      progress: /^The answer to the create request was lost; droplet \d+ is the one it made$/m},
  ]

  it.each(failures)('a failure while $step leaves nothing behind', async ({rule, missingEngine, line, progress}) => {
    if (rule !== undefined) sim.fail(rule)
    const failed = await create('f1', [], {missingEngine: missingEngine === true})
    expect(failed.code).toBe(1)
    expect(errorLines(failed)).toEqual([expect.stringMatching(line)])
    if (progress !== undefined) expect(failed.stderr).toMatch(progress)
    await expectNothingLeft('f1')
  })

  it('Ctrl-C while the droplet boots removes what was made', async () => {
    const child = spawn('node', [join(repoRoot, 'bin', 'run.cjs'), 'create', '-d', 'digitalocean', '--digitalocean-api-url', api, '--engine-install-url', engine.installUrl, 'c1'],
      {env: {...sandbox.env, DIGITALOCEAN_ACCESS_TOKEN: TOKEN}, stdio: ['ignore', 'pipe', 'pipe']})
    let stderr = ''
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString()
    })
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
    for (let tries = 0; sim.droplets().length === 0; tries++) {
      expect(tries, stderr).toBeLessThan(600)
      await sleep(50)
    }
    child.kill('SIGINT')
    const code = await exited
    expect(code, stderr).toBe(130)
    expect(stderr).toMatch(/^Error: Interrupted/m)
    await expectNothingLeft('c1')
  })

  it('rm of a half-made machine removes what exists, and an rm that failed half-way can be run again', async () => {
    sim.fail({route: 'POST /v2/droplets', answer: capacity})
    const dropletDeletes = sim.count('DELETE /v2/droplets/:id')
    const kept = await create('h1', ['--keep-on-failure'])
    expect(kept.code).toBe(1)
    expect(sim.keys()).toHaveLength(1)
    expect(sim.droplets()).toEqual([])
    const removed = await berth(['rm', '-y', 'h1'])
    expect(errorLines(removed)).toEqual([])
    expect(sim.count('DELETE /v2/droplets/:id')).toBe(dropletDeletes)
    await expectNothingLeft('h1')

    const made = await create('h2', ['--keep-on-failure'], {missingEngine: true})
    expect(made.code).toBe(1)
    expect(sim.droplets()).toHaveLength(1)
    sim.fail({route: 'DELETE /v2/account/keys/:id', answer: forbidden})
    const halfway = await berth(['rm', '-y', 'h2'])
    expect(halfway.code).toBe(1)
    expect(errorLines(halfway)).toEqual([expect.stringMatching(/^Error: DigitalOcean refused deleting SSH key \d+ \(403 .*\)\. .*The machine is kept with the resource left; run "berth rm h2" again once the cause is fixed\.$/)])
    expect(sim.droplets()).toEqual([])
    expect(sim.keys()).toHaveLength(1)
    const again = await berth(['rm', '-y', 'h2'])
    expect(errorLines(again)).toEqual([])
    expect(again.code).toBe(0)
    await expectNothingLeft('h2')
  })
})
