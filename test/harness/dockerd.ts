/**
 * Test tool: a real dockerd, run as root, isolated in a temp dir and a private mount namespace, serving the
 * Docker API over mutual TLS on 127.0.0.1. Tests create a DockerdPool in beforeAll and dispose it in afterAll,
 * so that a failing test still leaves no daemon, mount, cgroup or temp dir behind.
 */
import {spawn, type ChildProcess} from 'node:child_process'
import {access, mkdir, mkdtemp, open, readFile, writeFile} from 'node:fs/promises'
import http from 'node:http'
import {connect} from 'node:net'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {setTimeout as sleep} from 'node:timers/promises'
import {engineVersion} from '../../src/core/engine/engine-client.js'
import {errorMessage} from '../../src/core/errors.js'
import {dockerdArgs, dockerdPaths, namespacedCommand} from './dockerd-args.js'
import {DOCKERD_DIR_PREFIX, OWNER_FILE, sweepOrphanedDockerds, tearDownDockerd} from './dockerd-teardown.js'
import {freeLoopbackPort} from './free-port.js'
import {readProcess} from './processes.js'

export interface TlsDockerdOptions {
  caPem: string
  serverCertPem: string
  serverKeyPem: string
  /** TCP port on 127.0.0.1; default: a free one, picked again if another process takes it first. */
  port?: number
  /**
   * A client certificate issued by caPem's CA. With it, readiness means "the TLS API answers engineVersion";
   * without, "the unix socket answers and the TLS port accepts connections".
   */
  clientCertPem?: string
  clientKeyPem?: string
  /** Default: dockerd's own choice (overlay2 here; vfs where overlay is not possible). */
  storageDriver?: string
  dockerdPath?: string
  readyTimeoutMs?: number
  /** How long stop() lets dockerd shut down cleanly before SIGKILL. */
  stopGraceMs?: number
}

export interface RunningDockerd {
  /** tcp://127.0.0.1:PORT */
  url: string
  port: number
  /** Path of the daemon's unix socket (plain HTTP, no TLS). */
  socket: string
  dir: string
  pid: number
  /** Stop the daemon and remove all its traces; safe to call more than once. */
  stop(): Promise<void>
  /** dockerd's (and its containerd's) output so far; still available after stop(). */
  logs(): Promise<string>
}

const DOCKERD_CANDIDATES = ['/usr/sbin/dockerd', '/usr/bin/dockerd', '/usr/local/bin/dockerd']
const PORT_ATTEMPTS = 3

/** Start a daemon; the caller must stop() it (prefer DockerdPool, which does so even when a test fails). */
export async function startTlsDockerd(options: TlsDockerdOptions): Promise<RunningDockerd> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(options, options.port ?? await freeLoopbackPort())
    } catch (error) {
      // Another process took the free port between our probe and dockerd's bind.
      const portRace = options.port === undefined && /address already in use/i.test(errorMessage(error))
      if (!portRace || attempt >= PORT_ATTEMPTS) throw error
    }
  }
}

/** Owns the daemons a test file starts; dispose() in afterAll stops every one of them. */
export class DockerdPool {
  readonly #running = new Set<RunningDockerd>()
  #swept: Promise<unknown> | undefined

  async start(options: TlsDockerdOptions): Promise<RunningDockerd> {
    // Daemons left by an earlier run that was killed before its cleanup.
    this.#swept ??= sweepOrphanedDockerds()
    await this.#swept
    const daemon = await startTlsDockerd(options)
    this.#running.add(daemon)
    return daemon
  }

  get size(): number {
    return this.#running.size
  }

  async dispose(): Promise<void> {
    const daemons = [...this.#running]
    this.#running.clear()
    const results = await Promise.allSettled(daemons.map((daemon) => daemon.stop()))
    const failures = results.flatMap((result) => (result.status === 'rejected' ? [result.reason as unknown] : []))
    if (failures.length > 0) throw new AggregateError(failures, `${failures.length} test dockerd(s) did not stop cleanly: ${failures.map(errorMessage).join('; ')}`)
  }
}

async function startOnce(options: TlsDockerdOptions, port: number): Promise<RunningDockerd> {
  const dockerdPath = options.dockerdPath ?? await findDockerd()
  await preflight()
  const dir = await mkdtemp(join(tmpdir(), DOCKERD_DIR_PREFIX))
  const paths = dockerdPaths(dir)
  let child: ChildProcess | undefined
  let cachedLogs: string | undefined
  let stopping: Promise<void> | undefined
  const logs = async (): Promise<string> => cachedLogs ?? readFile(paths.log, 'utf8').catch(() => '')
  const stop = (): Promise<void> => {
    stopping ??= tearDownDockerd(dir, {
      // Once node has reaped dockerd its pid may belong to someone else: never signal it then.
      pid: child && child.exitCode === null && child.signalCode === null ? child.pid : undefined,
      graceMs: options.stopGraceMs ?? 10_000,
      beforeRemoval: async () => {
        cachedLogs = await logs()
      },
    })
    return stopping
  }
  try {
    await writeOwner(dir)
    await mkdir(join(dir, 'tls'), {mode: 0o700})
    await writeFile(paths.ca, options.caPem)
    await writeFile(paths.cert, options.serverCertPem)
    await writeFile(paths.key, options.serverKeyPem, {mode: 0o600})
    await writeFile(paths.config, '{}\n')
    child = await spawnDockerd(dockerdPath, dockerdArgs({dir, port, storageDriver: options.storageDriver}), paths.log)
    const url = `tcp://127.0.0.1:${port}`
    await waitUntilReady(child, url, paths.socket, port, options)
    if (child.pid === undefined) throw new Error('dockerd has no pid')
    return {url, port, socket: paths.socket, dir, pid: child.pid, stop, logs}
  } catch (error) {
    await stop().catch(() => undefined)
    const tail = lastLines(await logs(), 25)
    throw new Error(`Test dockerd did not start on port ${port}: ${errorMessage(error)}\n--- dockerd log (last lines) ---\n${tail}`, {cause: error})
  }
}

async function spawnDockerd(dockerdPath: string, args: string[], logPath: string): Promise<ChildProcess> {
  const log = await open(logPath, 'a', 0o600)
  try {
    const {command, args: argv} = namespacedCommand(dockerdPath, args)
    const child = spawn(command, argv, {
      stdio: ['ignore', log.fd, log.fd],
      // A minimal environment: no DOCKER_* or proxy variables from the test run; sbin for containerd and runc.
      env: {PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'},
    })
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve)
      child.once('error', reject)
    })
    return child
  } finally {
    await log.close()
  }
}

async function waitUntilReady(child: ChildProcess, url: string, socket: string, port: number, options: TlsDockerdOptions): Promise<void> {
  const timeoutMs = options.readyTimeoutMs ?? 30_000
  const deadline = Date.now() + timeoutMs
  const client = options.clientCertPem !== undefined && options.clientKeyPem !== undefined
    ? {ca: options.caPem, cert: options.clientCertPem, key: options.clientKeyPem}
    : undefined
  let last = 'no answer yet'
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`dockerd exited (${child.exitCode ?? child.signalCode})`)
    try {
      if (client) await engineVersion(url, client, {timeoutMs: 2_000})
      else await Promise.all([unixSocketVersion(socket), tcpAccepts(port)])
      return
    } catch (error) {
      last = errorMessage(error)
    }
    await sleep(50)
  }
  throw new Error(`the TLS API did not answer within ${timeoutMs / 1000}s (last: ${last})`)
}

function unixSocketVersion(socketPath: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const request = http.get({socketPath, path: '/version', timeout: 2_000}, (response) => {
      response.resume()
      if (response.statusCode === 200) resolve()
      else reject(new Error(`unix socket answered HTTP ${response.statusCode ?? '?'}`))
    })
    request.on('timeout', () => request.destroy(new Error('unix socket did not answer')))
    request.on('error', reject)
  })
}

async function tcpAccepts(port: number): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const socket = connect({host: '127.0.0.1', port}, () => {
      socket.destroy()
      resolve()
    })
    socket.on('error', reject)
  })
}

async function findDockerd(): Promise<string> {
  for (const candidate of DOCKERD_CANDIDATES) {
    try {
      await access(candidate)
      return candidate
    } catch {
      // Try the next one.
    }
  }
  throw new Error(`dockerd not found in ${DOCKERD_CANDIDATES.join(', ')}; install docker.io or pass dockerdPath.`)
}

async function preflight(): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error('a test dockerd needs root.')
  // tmpfs over /etc/docker needs the directory; without it dockerd would write /etc/docker/key.json on the machine.
  try {
    await access('/etc/docker')
  } catch {
    throw new Error('/etc/docker does not exist; create it (the docker packages do) so the test dockerd can be kept out of it.')
  }
  if (tmpdir().startsWith('/run/') || tmpdir().startsWith('/etc/docker')) throw new Error(`TMPDIR ${tmpdir()} is hidden from the test dockerd; use another.`)
}

async function writeOwner(dir: string): Promise<void> {
  const me = await readProcess(process.pid)
  await writeFile(join(dir, OWNER_FILE), JSON.stringify({pid: process.pid, startTime: me?.startTime ?? 0}))
}

function lastLines(text: string, count: number): string {
  return text.trimEnd().split('\n').slice(-count).join('\n')
}
