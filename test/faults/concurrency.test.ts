import {spawn, type ChildProcess} from 'node:child_process'
import {createHash, X509Certificate} from 'node:crypto'
import {existsSync} from 'node:fs'
import {mkdir, readdir, readFile, writeFile} from 'node:fs/promises'
import {hostname} from 'node:os'
import {join} from 'node:path'
import {connect} from 'node:tls'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {StoreLayout} from '../../src/core/store/layout.js'
import {BerthSandbox, type RunResult} from '../harness/berth.js'
import {TestHostPool, type TestHost} from '../hosts/index.js'

// Commands that change one machine at the same time, from several berth processes: each holds the machine's lock for
// its whole change, so what the store records is what the host and the docker CLI see afterwards.

const REGENERATE_ROUNDS = 3
const REGENERATORS = 4
const RACE_ROUNDS = 12
/** A port nothing listens on: -d none machines register with a warning and need no engine. */
const CLOSED = 'tcp://127.0.0.1:9'
/** Long enough for four serialised regenerations on a loaded machine. */
const LONG_MS = 600_000

/** The certificate as DER, the one form the store's PEM, the host's file and the TLS handshake share. */
function derOf(pem: string): string {
  return createHash('sha256').update(new X509Certificate(pem).raw).digest('hex')
}

/** The certificate the engine serves on its TLS port, with the store's client certificate (the engine asks for one). */
function servedCertificate(ip: string, port: number, client: {cert: string; key: string}): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({host: ip, port, cert: client.cert, key: client.key, rejectUnauthorized: false, timeout: 20_000}, () => {
      const raw = socket.getPeerCertificate().raw
      socket.end()
      resolve(createHash('sha256').update(raw).digest('hex'))
    })
    socket.on('timeout', () => socket.destroy(new Error(`no TLS answer from ${ip}:${port}`)))
    socket.on('error', reject)
  })
}

function contextMeta(sandbox: BerthSandbox, name: string): string {
  return join(sandbox.env.DOCKER_CONFIG!, 'contexts', 'meta', createHash('sha256').update(name).digest('hex'), 'meta.json')
}

/** A live process that is not berth, whose pid a lock file can name. */
function liveProcess(): ChildProcess {
  return spawn('sleep', ['300'], {stdio: 'ignore'})
}

/** A JSON file another process writes: read once it exists and holds all of its JSON (a lock is created, then filled). */
async function waitForJson(path: string, timeoutMs: number): Promise<unknown> {
  const until = Date.now() + timeoutMs
  for (;;) {
    try {
      return JSON.parse(await readFile(path, 'utf8'))
    } catch {
      if (Date.now() > until) throw new Error(`${path} did not appear, whole, within ${timeoutMs} ms`)
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  }
}

describe('commands that change the same machine at once', () => {
  let sandbox: BerthSandbox
  let pool: TestHostPool
  let host: TestHost
  let layout: StoreLayout
  const children: ChildProcess[] = []

  beforeAll(async () => {
    sandbox = await BerthSandbox.create()
    layout = new StoreLayout(sandbox.storePath)
    pool = new TestHostPool()
    host = await pool.up('cc-regen', {init: 'systemd'})
    const created = await sandbox.run(['create', '-d', 'generic', '--generic-ip-address', host.ip, '--generic-ssh-key', host.privateKeyPath, 'g1'], {timeoutMs: LONG_MS})
    expect(created.code, created.stderr).toBe(0)
  }, LONG_MS)

  afterAll(async () => {
    for (const child of children) child.kill('SIGKILL')
    await pool?.dispose()
    await sandbox?.dispose()
  })

  it(`${REGENERATORS} regenerate-certs -f at once, ${REGENERATE_ROUNDS} rounds: the store, the host's file and the served certificate agree after each`, async () => {
    const client = {cert: await readFile(layout.clientCert, 'utf8'), key: await readFile(layout.clientKey, 'utf8')}
    let inconsistencies = 0
    const seen = new Set<string>()
    for (let round = 1; round <= REGENERATE_ROUNDS; round++) {
      const results = await Promise.all(Array.from({length: REGENERATORS}, () => sandbox.run(['regenerate-certs', '-f', 'g1'], {timeoutMs: LONG_MS})))
      for (const result of results) expect(result.code, result.stderr).toBe(0)
      // They took turns: all but the first waited, naming a holder.
      expect(results.filter((result) => /Waiting for berth \(pid \d+\), which is changing "g1"…/.test(result.stderr)).length).toBeGreaterThanOrEqual(1)
      const stored = derOf(await readFile(layout.machine('g1').serverCert, 'utf8'))
      const onHost = derOf((await host.exec('cat /etc/docker/server.pem')).stdout)
      const served = await servedCertificate(host.ip, 2376, client)
      const consistent = stored === onHost && onHost === served
      if (!consistent) inconsistencies++
      console.log(`regenerate round ${round}: store ${stored.slice(0, 12)} host ${onHost.slice(0, 12)} served ${served.slice(0, 12)}${consistent ? '' : ' INCONSISTENT'}`)
      expect(seen.has(stored), 'each round issues a new certificate').toBe(false)
      seen.add(stored)
    }
    console.log(`regenerate-certs: ${REGENERATE_ROUNDS} rounds of ${REGENERATORS}, ${inconsistencies} inconsistencies`)
    expect(inconsistencies).toBe(0)
    expect((await sandbox.sh('docker --context g1 version --format "{{.Server.Version}}"')).code).toBe(0)
  }, LONG_MS * 2)

  it(`create racing rm -f of the same name, ${RACE_ROUNDS} rounds: the machine and its context both exist, or neither`, async () => {
    let inconsistencies = 0
    for (let round = 1; round <= RACE_ROUNDS; round++) {
      const name = `race${round}`
      const create = sandbox.run(['create', '-d', 'none', '--url', CLOSED, name])
      // rm starts at a different moment of the create each round, from at once to after it ended.
      await new Promise((resolve) => setTimeout(resolve, (round - 1) * 70))
      const removed = await sandbox.run(['rm', '-f', name])
      const created = await create
      expect(created.code, created.stderr).toBe(0)
      const machineDir = layout.machine(name).dir
      const hasMachine = existsSync(join(machineDir, 'config.json'))
      const hasDir = existsSync(machineDir)
      const hasContext = existsSync(contextMeta(sandbox, name))
      const consistent = hasMachine === hasContext && hasDir === hasMachine
      if (!consistent) inconsistencies++
      const waited = removed.stderr.includes('Waiting for berth (pid')
      console.log(`race round ${round}: rm exit ${removed.code}${waited ? ' after waiting for the create' : ''}, machine ${hasMachine}, dir ${hasDir}, context ${hasContext}${consistent ? '' : ' INCONSISTENT'}`)
      // rm either found no machine yet (and said so) or removed the created one.
      if (removed.code === 0) expect(hasMachine).toBe(false)
      else expect(removed.stderr).toContain(`Machine "${name}" does not exist.`)
    }
    console.log(`create vs rm -f: ${RACE_ROUNDS} rounds, ${inconsistencies} inconsistencies`)
    expect(inconsistencies).toBe(0)
    const listed = await sandbox.run(['ls', '--format', '{{.Name}} {{.Error}}'])
    expect(listed.stdout).not.toContain('cannot be loaded')
  }, LONG_MS)

  it('rm waits for a live holder of the lock, naming its pid, fails clearly at the bound, and deletes nothing under it', async () => {
    expect((await sandbox.run(['create', '-d', 'none', '--url', CLOSED, 'held'])).code).toBe(0)
    const holder = liveProcess()
    children.push(holder)
    await mkdir(join(sandbox.storePath, 'locks'), {recursive: true})
    await writeFile(layout.machineLock('held'), JSON.stringify({pid: holder.pid, host: hostname(), token: 'someone', purpose: 'changing "held"'}))
    const started = Date.now()
    const refused = await sandbox.run(['rm', '-f', 'held'], {env: {BERTH_LOCK_TIMEOUT: '3'}})
    expect(refused.code).toBe(1)
    expect(refused.stderr).toContain(`Waiting for berth (pid ${holder.pid}), which is changing "held"…`)
    expect(refused.stderr).toContain(`Error: Timed out after 3s waiting for berth (pid ${holder.pid}), which is changing "held".`)
    expect(refused.stderr).not.toContain('Successfully removed')
    expect(Date.now() - started).toBeGreaterThanOrEqual(3_000)
    expect(existsSync(layout.machine('held').config)).toBe(true)
    expect(existsSync(contextMeta(sandbox, 'held'))).toBe(true)

    // The holder ends while rm waits: rm goes on, and only then removes.
    const waiting = sandbox.run(['rm', '-f', 'held'])
    await new Promise((resolve) => setTimeout(resolve, 1_500))
    expect(existsSync(layout.machine('held').config), 'nothing is removed while the holder lives').toBe(true)
    holder.kill('SIGKILL')
    const removed = await waiting
    expect(removed.code, removed.stderr).toBe(0)
    expect(removed.stderr).toContain(`Waiting for berth (pid ${holder.pid}), which is changing "held"…`)
    expect(removed.stdout).toBe('Successfully removed held\n')
    expect(existsSync(layout.machine('held').dir)).toBe(false)
    expect(existsSync(contextMeta(sandbox, 'held'))).toBe(false)
  }, LONG_MS)

  it('breaks a stale lock left by a dead process at once', async () => {
    expect((await sandbox.run(['create', '-d', 'none', '--url', CLOSED, 'stale'])).code).toBe(0)
    const dead = spawn('true')
    await new Promise((resolve) => dead.on('exit', resolve))
    await writeFile(layout.machineLock('stale'), JSON.stringify({pid: dead.pid, host: hostname(), token: 'crashed', purpose: 'changing "stale"'}))
    const started = Date.now()
    const removed = await sandbox.run(['rm', '-f', 'stale'], {env: {BERTH_LOCK_TIMEOUT: '30'}})
    expect(removed.code, removed.stderr).toBe(0)
    expect(removed.stderr).not.toContain('Waiting for')
    expect(Date.now() - started).toBeLessThan(20_000)
    expect(existsSync(layout.machine('stale').dir)).toBe(false)
    expect(existsSync(layout.machineLock('stale'))).toBe(false)
  }, LONG_MS)

  it('rm during a regenerate-certs in flight waits for it, naming its pid, then removes the machine and its context', async () => {
    const regenerate = sandbox.run(['regenerate-certs', '-f', 'g1'], {timeoutMs: LONG_MS})
    const lock = await waitForJson(layout.machineLock('g1'), 60_000) as {pid: number}
    const removed = await sandbox.run(['rm', '-f', 'g1'], {timeoutMs: LONG_MS})
    const regenerated = await regenerate
    expect(regenerated.code, regenerated.stderr).toBe(0)
    expect(removed.code, removed.stderr).toBe(0)
    expect(removed.stderr).toContain(`Waiting for berth (pid ${lock.pid}), which is changing "g1"…`)
    expect(existsSync(layout.machine('g1').dir)).toBe(false)
    expect(existsSync(contextMeta(sandbox, 'g1'))).toBe(false)
    expect(await readdir(join(sandbox.storePath, 'locks'))).toEqual([])
  }, LONG_MS)
})

describe('a docker context that another store made', () => {
  let first: BerthSandbox
  let second: BerthSandbox

  beforeAll(async () => {
    first = await BerthSandbox.create()
    second = await BerthSandbox.create()
  })

  afterAll(async () => {
    await first?.dispose()
    await second?.dispose()
  })

  it('use NAME from a second store is refused and the first store\'s context stays as it was', async () => {
    expect((await first.run(['create', '-d', 'none', '--url', CLOSED, 'shared'])).code).toBe(0)
    // The second store's machine of the same name was made with its own docker configuration.
    expect((await second.run(['create', '-d', 'none', '--url', 'tcp://127.0.0.1:10', 'shared'])).code).toBe(0)
    const docker = {DOCKER_CONFIG: first.env.DOCKER_CONFIG!}
    const before = await readFile(contextMeta(first, 'shared'), 'utf8')
    const refused: RunResult = await second.run(['use', 'shared'], {env: docker})
    expect(refused.code).toBe(1)
    expect(refused.stderr).toContain(`Error: A docker context named "shared" already exists and belongs to the machine "shared" of another berth store (${first.storePath}); berth leaves it alone.`)
    expect(refused.stdout).toBe('')
    expect(await readFile(contextMeta(first, 'shared'), 'utf8')).toBe(before)
    expect(existsSync(join(first.env.DOCKER_CONFIG!, 'config.json')) ? await readFile(join(first.env.DOCKER_CONFIG!, 'config.json'), 'utf8') : '').not.toContain('currentContext')

    // create refuses the same case, and rm in the second store leaves the first store's context alone.
    const created = await second.run(['create', '-d', 'none', '--url', CLOSED, 'shared'], {env: {...docker, BERTH_STORAGE_PATH: join(second.dir, 'third')}})
    expect(created.code).toBe(1)
    expect(created.stderr).toContain('belongs to the machine "shared" of another berth store')
    const removed = await second.run(['rm', '-f', 'shared'], {env: docker})
    expect(removed.code, removed.stderr).toBe(0)
    expect(removed.stderr).toContain(`The docker context "shared" belongs to another berth store (${first.storePath}) and is left as it is.`)
    expect(await readFile(contextMeta(first, 'shared'), 'utf8')).toBe(before)
  })
})
