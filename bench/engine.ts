/**
 * Bench tool: starts and stops the engine stand-ins (engine-process.ts) in a process of their own, so that the
 * bench's own event loop never competes with them and they die with the bench (they exit when stdin closes).
 */
import {spawn} from 'node:child_process'
import {writeFile} from 'node:fs/promises'
import {availableParallelism} from 'node:os'
import {join} from 'node:path'
import {createInterface} from 'node:readline'
import {fileURLToPath} from 'node:url'
import type {Cleanup} from './cleanup.js'
import type {EngineIdentity} from './engine-certs.js'

export interface EngineConfig {
  /** The CA client certificates must come from. */
  caPem: string
  /** One server per address, all on the same port, each with its own certificate. */
  engines: EngineIdentity[]
  /** The port to listen on; 0 (the first process) picks a free one. */
  port?: number
}

export interface EngineReady {
  port: number
  /** Process CPU time so far (µs), to tell the engines' share of a run. */
  cpuUs: number
}

export interface RunningEngines {
  port: number
  /** CPU time (µs) the engine processes have used so far. */
  cpuUs(): Promise<number>
  stop(): Promise<void>
}

/** The version Debian 12's docker.io reports; what berth ls shows as DOCKER (with a v in front). */
export const ENGINE_VERSION = '20.10.24+dfsg1'

/** dockerd 20.10's GET /version answer, field for field. */
export const VERSION_BODY = JSON.stringify({
  Platform: {Name: ''},
  Components: [{Name: 'Engine', Version: ENGINE_VERSION, Details: {ApiVersion: '1.41', Arch: 'amd64', BuildTime: '2023-05-18T08:38:34.000000000+00:00', Experimental: 'false', GitCommit: '5d6db84', GoVersion: 'go1.19.8', KernelVersion: '6.1.0', MinAPIVersion: '1.12', Os: 'linux'}}],
  Version: ENGINE_VERSION,
  ApiVersion: '1.41',
  MinAPIVersion: '1.12',
  GitCommit: '5d6db84',
  GoVersion: 'go1.19.8',
  Os: 'linux',
  Arch: 'amd64',
  KernelVersion: '6.1.0',
  BuildTime: '2023-05-18T08:38:34.000000000+00:00',
})

const READY_TIMEOUT_MS = 30_000
const STOP_GRACE_MS = 3_000

/**
 * Start the stand-ins, one process per CPU, each serving its share of the addresses on one common port: real
 * engines are many processes (a Go dockerd even uses every CPU), and one single-threaded process answering 200
 * TLS handshakes in turn would time itself rather than berth. Cleanup stops them even when the bench fails or
 * is interrupted.
 */
export async function startEngines(config: EngineConfig, dir: string, cleanup: Cleanup): Promise<RunningEngines> {
  const count = Math.max(1, Math.min(availableParallelism(), config.engines.length))
  const share = (index: number): EngineIdentity[] => config.engines.filter((_engine, position) => position % count === index)
  const first = await startEngineProcess({caPem: config.caPem, engines: share(0)}, dir, 0, cleanup)
  const others = await Promise.all(Array.from({length: count - 1}, (_unused, index) => startEngineProcess({caPem: config.caPem, engines: share(index + 1), port: first.port}, dir, index + 1, cleanup)))
  const all = [first, ...others]
  return {
    port: first.port,
    cpuUs: async () => (await Promise.all(all.map((engines) => engines.cpuUs()))).reduce((sum, used) => sum + used, 0),
    stop: async () => {
      await Promise.all(all.map((engines) => engines.stop()))
    },
  }
}

async function startEngineProcess(config: EngineConfig, dir: string, index: number, cleanup: Cleanup): Promise<RunningEngines> {
  const configPath = join(dir, `engine-config-${index}.json`)
  await writeFile(configPath, JSON.stringify(config), {mode: 0o600})
  const script = fileURLToPath(new URL('./engine-process.js', import.meta.url))
  const child = spawn(process.execPath, [script, configPath], {stdio: ['pipe', 'pipe', 'pipe'], env: {PATH: process.env.PATH}})
  const pid = child.pid
  if (pid === undefined) throw new Error('could not start the engine stand-ins')
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  let stopped = false
  const stop = async (): Promise<void> => {
    if (stopped) return
    stopped = true
    child.stdin.end()
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS)
    await exited
    clearTimeout(timer)
  }
  cleanup.addProcess(pid, stop)

  let stderr = ''
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk
  })
  const lines = createInterface({input: child.stdout})
  const waiting: Array<(line: string) => void> = []
  lines.on('line', (line) => waiting.shift()?.(line))
  const nextLine = (what: string): Promise<string> => new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the engine stand-ins did not ${what} within ${READY_TIMEOUT_MS / 1000}s: ${stderr}`)), READY_TIMEOUT_MS)
    waiting.push((line) => {
      clearTimeout(timer)
      resolve(line)
    })
    void exited.then(() => {
      clearTimeout(timer)
      reject(new Error(`the engine stand-ins exited: ${stderr.trim()}`))
    })
  })

  const ready = JSON.parse(await nextLine('start')) as EngineReady
  return {
    port: ready.port,
    cpuUs: async () => {
      const answer = nextLine('answer')
      child.stdin.write('cpu\n')
      return (JSON.parse(await answer) as {cpuUs: number}).cpuUs
    },
    stop,
  }
}
