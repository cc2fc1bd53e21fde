/**
 * Bench tool: `berth create -d generic` against real test hosts (test/hosts: network namespaces with sshd and the
 * machine's own docker.io), for docs/benchmarks.md's Provisioning section.
 *
 * - one create, RUNS times, each in a fresh store against a fresh host, for two kinds of host: sysv with the engine
 *   installed and running, and systemd with the engine installed but stopped;
 * - PARALLEL creates at once: PARALLEL berth processes on one fresh store, one fresh sysv host (engine running) each.
 *
 * Every create runs with --debug: the SSH layer logs each remote command as `ssh NAME: USER@HOST $ COMMAND` and each
 * SFTP upload as `ssh NAME: upload PATH`, which gives the round trips. Peak RSS is GNU time's %M (the maximum
 * resident set of the berth process, from wait4's rusage). Hosts are removed after each use, and by
 * pool.dispose() at the end, on failure and on SIGINT/SIGTERM (run.ts's cleanup).
 */
import {spawn} from 'node:child_process'
import {access, mkdtemp, readFile} from 'node:fs/promises'
import os from 'node:os'
import {join} from 'node:path'
import {TestHostPool, type HostOptions, type TestHost} from '../test/hosts/index.js'
import type {Cleanup} from './cleanup.js'
import {berthBin, makeSandbox, runBerth, type Sandbox} from './fixtures.js'
import {median} from './measure.js'

export const TIME_BIN = '/usr/bin/time'

export interface CreateRun {
  wallMs: number
  /** Remote commands (one SSH exec channel each, a round trip at least). */
  execs: number
  /** SFTP uploads. */
  uploads: number
  /** Peak resident set size of the berth process, KiB. */
  maxRssKiB: number
  /** Time spent waiting on remote commands, as the SSH layer logs it (`exit N (X ms)`; `id -u` is not timed), ms. */
  remoteMs: number
  /** The longest remote command (its text cut short) and its time. */
  slowest: {command: string; ms: number}
}

export interface CreateRow {
  id: 'sysv-running' | 'systemd-stopped'
  label: string
  runs: CreateRun[]
  medianMs: number
  minMs: number
  maxMs: number
}

export interface ParallelResult {
  count: number
  wallMs: number
  /** Each process's own wall time, ms. */
  eachMs: number[]
  maxRssKiB: number[]
  execs: number[]
  uploads: number[]
}

export interface CreateResults {
  rows: CreateRow[]
  parallel: ParallelResult
  /** Host set-up time outside the timing (each host's up()), s. */
  hostSetupSeconds: number
}

export interface CreateBenchOptions {
  runs: number
  parallel: number
  cleanup: Cleanup
  /** Told how to remove every test host, for the caller's signal handler. */
  onHosts: (dispose: () => Promise<void>) => void
  log: (message: string) => void
}

const HOSTS: ReadonlyArray<{id: CreateRow['id']; label: string; options: HostOptions}> = [
  {id: 'sysv-running', label: 'sysv host, engine installed and running', options: {init: 'sysv', startDocker: true}},
  {id: 'systemd-stopped', label: 'systemd host, engine installed, not running', options: {init: 'systemd'}},
]

export async function checkTimeBin(): Promise<void> {
  try {
    await access(TIME_BIN)
  } catch {
    throw new Error(`${TIME_BIN} (GNU time) is not installed (apt-get install time); the create bench reads peak RSS from it.`)
  }
}

export async function runCreateBench(options: CreateBenchOptions): Promise<CreateResults> {
  await checkTimeBin()
  const root = await mkdtemp(join(os.tmpdir(), 'berth-bench-create-'))
  options.cleanup.addDir(root)
  const pool = new TestHostPool()
  // The caller's SIGINT/SIGTERM handler runs this too, so the hosts go down however the bench ends.
  options.onHosts(() => pool.dispose())
  let hostSetupMs = 0
  const up = async (name: string, hostOptions: HostOptions): Promise<TestHost> => {
    const started = performance.now()
    const host = await pool.up(name, hostOptions)
    hostSetupMs += performance.now() - started
    return host
  }
  try {
    const rows: CreateRow[] = []
    let sandboxes = 0
    for (const kind of HOSTS) {
      const runs: CreateRun[] = []
      for (let run = 1; run <= options.runs; run++) {
        // A fresh host and a fresh store each time: the create makes the store's CA, as a first create does.
        const host = await up(`cb${kind.id === 'sysv-running' ? 's' : 'd'}${run}`, kind.options)
        const sandbox = await makeSandbox(join(root, `s${++sandboxes}`))
        const result = await timedCreate(sandbox, 'm1', host, root, options.cleanup)
        runs.push(result)
        options.log(`${kind.label}, run ${run}/${options.runs}: ${(result.wallMs / 1000).toFixed(2)} s, ${result.execs} commands, ${result.uploads} uploads, peak RSS ${(result.maxRssKiB / 1024).toFixed(0)} MiB, ${(result.remoteMs / 1000).toFixed(2)} s in remote commands (longest ${(result.slowest.ms / 1000).toFixed(2)} s: ${result.slowest.command.slice(0, 60)})`)
        await host.down()
      }
      const walls = runs.map((item) => item.wallMs)
      rows.push({id: kind.id, label: kind.label, runs, medianMs: median(walls), minMs: Math.min(...walls), maxMs: Math.max(...walls)})
    }

    options.log(`${options.parallel} parallel creates: bringing up ${options.parallel} sysv hosts`)
    const hosts = await Promise.all(Array.from({length: options.parallel}, (_unused, index) => up(`cbp${index}`, {init: 'sysv', startDocker: true})))
    const shared = await makeSandbox(join(root, 'parallel'))
    const started = performance.now()
    const results = await Promise.all(hosts.map((host, index) => timedCreate(shared, `p${index}`, host, root, options.cleanup)))
    const wallMs = performance.now() - started
    await checkListed(shared, results.length)
    const parallel: ParallelResult = {
      count: options.parallel,
      wallMs,
      eachMs: results.map((item) => item.wallMs),
      maxRssKiB: results.map((item) => item.maxRssKiB),
      execs: results.map((item) => item.execs),
      uploads: results.map((item) => item.uploads),
    }
    options.log(`${options.parallel} parallel creates: ${(wallMs / 1000).toFixed(2)} s wall`)
    return {rows, parallel, hostSetupSeconds: hostSetupMs / 1000}
  } finally {
    await pool.dispose()
  }
}

/** One `berth --debug create -d generic` under GNU time; throws unless it succeeded. */
async function timedCreate(sandbox: Sandbox, name: string, host: TestHost, root: string, cleanup: Cleanup): Promise<CreateRun> {
  const rssFile = join(root, `rss-${name}-${host.name}`)
  const args = ['-f', '%M', '-o', rssFile, process.execPath, berthBin, 'create', '--debug', '-d', 'generic',
    '--generic-ip-address', host.ip, '--generic-ssh-key', host.privateKeyPath, name]
  const started = performance.now()
  const result = await run(TIME_BIN, args, sandbox.env, cleanup)
  const wallMs = performance.now() - started
  if (result.code !== 0 || /^Error/m.test(result.stderr)) {
    throw new Error(`berth create ${name} on ${host.name} (${host.ip}) failed (exit ${result.code}):\n${result.stderr.slice(-4000)}`)
  }
  const lines = result.stderr.split('\n')
  const prefix = `[debug] ssh ${name}: `
  let execs = 0
  let uploads = 0
  let remoteMs = 0
  let last = ''
  let slowest = {command: '', ms: 0}
  for (const line of lines) {
    if (!line.startsWith(prefix)) continue
    const rest = line.slice(prefix.length)
    const command = /^\S+@\S+(?: \(root\))? \$ (.*)$/.exec(rest)
    const exit = /^ {2}exit -?\d+ \((\d+) ms\)$/.exec(rest)
    if (command !== null) {
      execs++
      last = command[1]!
    } else if (rest.startsWith('upload ')) {
      uploads++
    } else if (exit !== null) {
      const ms = Number(exit[1])
      remoteMs += ms
      if (ms > slowest.ms) slowest = {command: last, ms}
    }
  }
  if (execs === 0) throw new Error(`berth create ${name} logged no remote command with --debug; the log format changed?\n${result.stderr.slice(-2000)}`)
  const rss = Number((await readFile(rssFile, 'utf8')).trim().split('\n').pop())
  if (!Number.isFinite(rss) || rss <= 0) throw new Error(`GNU time wrote no peak RSS to ${rssFile}`)
  return {wallMs, execs, uploads, maxRssKiB: rss, remoteMs, slowest}
}

/** The parallel creates' machines are all listed Running, with an engine version. */
async function checkListed(sandbox: Sandbox, count: number): Promise<void> {
  const listed = await runBerth(sandbox, ['ls', '--json'])
  if (listed.code !== 0) throw new Error(`berth ls failed after the parallel creates: ${listed.stderr}`)
  const rows = JSON.parse(listed.stdout) as Array<{name: string; state: string; engineVersion: string | null}>
  const good = rows.filter((row) => row.state === 'Running' && /^\d/.test(row.engineVersion ?? ''))
  if (rows.length !== count || good.length !== count) throw new Error(`after the parallel creates, ls shows ${good.length} of ${count} machines Running:\n${listed.stdout}`)
}

function run(file: string, args: readonly string[], env: NodeJS.ProcessEnv, cleanup: Cleanup): Promise<{code: number; stdout: string; stderr: string}> {
  return new Promise((resolve, reject) => {
    // Its own process group, so cleanup can stop it (and the berth under it) on SIGINT.
    const child = spawn(file, [...args], {env, detached: true, stdio: ['ignore', 'pipe', 'pipe']})
    const forget = child.pid === undefined ? () => true : cleanup.trackProcess(child.pid)
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk
    })
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk
    })
    child.once('error', (error) => {
      forget()
      reject(error)
    })
    child.once('close', (code, signal) => {
      forget()
      resolve({code: code ?? (signal === null ? 1 : 128), stdout, stderr})
    })
  })
}
