import {createHash} from 'node:crypto'
import {readFile} from 'node:fs/promises'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {BerthSandbox, type RunResult} from '../harness/berth.js'
import {TestHostPool, type TestHost} from '../hosts/index.js'

const PARALLEL = 10

const sha256 = (content: string | Buffer): string => createHash('sha256').update(content).digest('hex')

async function timed<T>(work: () => Promise<T>): Promise<{result: T; ms: number}> {
  const started = performance.now()
  const result = await work()
  return {result, ms: performance.now() - started}
}

// Ten `berth create -d generic` processes started at once on one store: they share the store lock and the CA
// bootstrap, and each provisions its own host. Hosts run sysvinit with the engine already running (the fastest
// kind to make), so the time measured is berth's.
describe(`${PARALLEL} hosts created in parallel by ${PARALLEL} processes on one store`, () => {
  let sandbox: BerthSandbox
  let single: BerthSandbox
  let pool: TestHostPool
  let hosts: TestHost[]

  beforeAll(async () => {
    sandbox = await BerthSandbox.create()
    single = await BerthSandbox.create()
    pool = new TestHostPool()
    hosts = await Promise.all(Array.from({length: PARALLEL + 1}, (_unused, index) => pool.up(`pp${index}`, {init: 'sysv', startDocker: true})))
  })

  afterAll(async () => {
    await pool?.dispose()
    await sandbox?.dispose()
    await single?.dispose()
  })

  const create = (box: BerthSandbox, name: string, host: TestHost, extra: string[] = []): Promise<RunResult> => box.run([
    'create', '-d', 'generic', '--generic-ip-address', host.ip, '--generic-ssh-key', host.privateKeyPath, ...extra, name,
  ])

  let singleMs = 0

  it('one create, for comparison, and what it costs in SSH round trips', async () => {
    const {result, ms} = await timed(() => create(single, 'solo', hosts[PARALLEL]!, ['--debug']))
    expect(result.stderr).not.toMatch(/^Error/m)
    expect(result.code).toBe(0)
    singleMs = ms
    // Every remote command is logged as "user@host $ command"; uploads go over the same connection's SFTP channel.
    const commands = result.stderr.split('\n').filter((line) => /^\[debug\] ssh solo: \S+@\S+( \(root\))? \$ /.test(line))
    const uploads = result.stderr.split('\n').filter((line) => /^\[debug\] ssh solo: upload /.test(line))
    expect(uploads).toHaveLength(4)
    expect(commands.length).toBeLessThanOrEqual(8)
    console.log(`berth create -d generic (sysv host, engine running): ${(ms / 1000).toFixed(1)} s wall; ${commands.length} remote commands, ${uploads.length} SFTP uploads`)
  })

  it(`${PARALLEL} creates at once: all succeed, ls shows them Running with versions, and they share one CA`, async () => {
    const names = hosts.slice(0, PARALLEL).map((_host, index) => `par${index}`)
    const {result: results, ms} = await timed(() => Promise.all(names.map((name, index) => timed(() => create(sandbox, name, hosts[index]!)))))
    for (const [index, {result}] of results.entries()) {
      expect(result.stderr, names[index]).not.toMatch(/^Error/m)
      expect(result.code, names[index]).toBe(0)
    }
    // Exactly one of them made the CA.
    expect(results.filter(({result}) => result.stderr.includes('Creating CA:'))).toHaveLength(1)

    const listed = await sandbox.run(['ls'])
    expect(listed.code).toBe(0)
    for (const [index, name] of names.entries()) {
      expect(listed.stdout).toMatch(new RegExp(`^${name}\\s+-\\s+generic\\s+Running\\s+tcp://${hosts[index]!.ip.replace(/\./g, '\\.')}:2376\\s+v\\d+\\.\\d+`, 'm'))
    }
    expect(listed.stdout.trim().split('\n')).toHaveLength(PARALLEL + 1)

    const ca = sha256(await readFile(join(sandbox.storePath, 'certs', 'ca.pem')))
    for (const [index, name] of names.entries()) {
      expect(sha256(await readFile(join(sandbox.storePath, 'machines', name, 'ca.pem'))), name).toBe(ca)
      expect(sha256((await hosts[index]!.exec('cat /etc/docker/ca.pem')).stdout), name).toBe(ca)
    }
    const each = results.map(({ms: one}) => one / 1000)
    console.log(`${PARALLEL} parallel creates: ${(ms / 1000).toFixed(1)} s wall (each ${Math.min(...each).toFixed(1)}-${Math.max(...each).toFixed(1)} s); one create alone: ${(singleMs / 1000).toFixed(1)} s`)
  }, 240_000)
})
