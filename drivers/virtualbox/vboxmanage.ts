import {execFile} from 'node:child_process'
import {accessSync, constants} from 'node:fs'
import {delimiter, join} from 'node:path'
import {BerthError, type DriverSharedState, prose, retrying, run} from '../../src/driver-kit/index.js'

/** VBoxManage's usual homes when it is not on PATH. */
export function installLocations(env: NodeJS.ProcessEnv, platform: NodeJS.Platform): string[] {
  if (platform === 'win32') {
    const dirs = [env.VBOX_MSI_INSTALL_PATH, env.VBOX_INSTALL_PATH, env.ProgramFiles === undefined ? undefined : join(env.ProgramFiles, 'Oracle', 'VirtualBox'), 'C:\\Program Files\\Oracle\\VirtualBox']
    return dirs.filter((dir): dir is string => dir !== undefined && dir !== '').map((dir) => join(dir, 'VBoxManage.exe'))
  }
  return ['/usr/bin/VBoxManage', '/usr/local/bin/VBoxManage', '/Applications/VirtualBox.app/Contents/MacOS/VBoxManage']
}

/** The VBoxManage berth runs: the first on PATH, else the first of the usual install locations that exists. */
export function findVBoxManage(env: NodeJS.ProcessEnv, platform: NodeJS.Platform = process.platform): string | undefined {
  const names = platform === 'win32' ? ['VBoxManage.exe'] : ['VBoxManage']
  const onPath = (env.PATH ?? env.Path ?? '').split(delimiter).filter(Boolean).flatMap((dir) => names.map((name) => join(dir, name)))
  return [...onPath, ...installLocations(env, platform)].find(executable)
}

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK)
    return true
  } catch {
    return false
  }
}

/** The version VBoxManage prints ("7.0.20r163906"), read past warnings it may print first. */
export function parseVersion(output: string): string | undefined {
  return output.split('\n').map((line) => line.trim()).find((line) => /^\d+\.\d+\.\d+/.test(line))
}

export function versionAtLeast(version: string, major: number, minor: number): boolean {
  const [have = 0, haveMinor = 0] = (/^(\d+)\.(\d+)/.exec(version) ?? []).slice(1).map(Number)
  return have > major || (have === major && haveMinor >= minor)
}

/** A failed VBoxManage call: its first error line, the whole of its stderr, its exit code. */
export class VBoxManageError extends BerthError {
  override readonly name = 'VBoxManageError'
  constructor(readonly args: readonly string[], readonly stderr: string, readonly status: number) {
    super(`VBoxManage ${args[0] ?? ''} failed: ${firstError(stderr) || `exit code ${status}`}`, {code: 'vboxmanage-failed', data: {command: args[0] ?? '', status, detail: firstError(stderr)}})
  }
}

function firstError(stderr: string): string {
  const lines = stderr.split('\n').map((line) => line.replace(/^VBoxManage(\.exe)?: error: /, '').trim()).filter(Boolean)
  return (lines.find((line) => !/^(Details|Context):/.test(line) && !/^\d+%/.test(line)) ?? '').replace(/\.$/, '')
}

/**
 * Failures that pass by themselves: VirtualBox answers "object is not ready" while a VM's state changes, and a
 * VM that just powered off keeps its session lock for a moment.
 */
export function isTransient(error: unknown): boolean {
  if (!(error instanceof VBoxManageError)) return false
  return /object is not ready|is already locked (for|by) a session|being locked or unlocked/i.test(error.stderr)
}

export const isNotFound = (error: unknown): boolean => error instanceof VBoxManageError && /Could not find a registered machine|VBOX_E_OBJECT_NOT_FOUND/.test(error.stderr)

export interface VBoxOptions {
  bin: string
  env: NodeJS.ProcessEnv
  /** The driver's shared state, whose lock every mutation holds, across berth processes (a probe, which changes nothing, has none). */
  shared?: Pick<DriverSharedState, 'withLock'>
  /** Retries of transient failures (the first try included). */
  attempts?: number
  baseDelayMs?: number
}

/** How long a berth process waits for another's VBoxManage work (a disk clone of a large image takes minutes). */
const LOCK_WAIT_MS = 15 * 60_000

/**
 * VBoxManage as berth runs it: queries as they are, mutations under the store's VirtualBox lock (one berth
 * process at a time, as Docker Machine's in-process mutex never managed across processes), both retried on
 * transient failures. `locked` holds the lock over several calls that must not be interleaved with another
 * process's (choosing and making a network, say); mutations inside it do not take it again.
 */
export class VBoxManage {
  private depth = 0

  constructor(private readonly options: VBoxOptions) {}

  get bin(): string {
    return this.options.bin
  }

  /**
   * A call that changes nothing. Stopped when the signal aborts (Ctrl-C, `ls`'s deadline): a VBoxManage that hangs,
   * as it does while VBoxSVC is stuck, must not keep berth waiting.
   */
  query(args: readonly string[], signal: AbortSignal): Promise<string> {
    return this.retried(args, signal, true)
  }

  /** A call that changes something: under the lock. */
  mutate(args: readonly string[], signal: AbortSignal): Promise<string> {
    return this.locked(() => this.retried(args, signal, false), signal)
  }

  async locked<T>(work: () => Promise<T>, signal: AbortSignal): Promise<T> {
    if (this.depth > 0) {
      this.depth++
      try {
        return await work()
      } finally {
        this.depth--
      }
    }
    if (this.options.shared === undefined) throw new Error('a VBoxManage change needs the driver\'s lock')
    return this.options.shared.withLock(async () => {
      this.depth++
      try {
        return await work()
      } finally {
        this.depth--
      }
    }, {signal, timeoutMs: LOCK_WAIT_MS})
  }

  private retried(args: readonly string[], signal: AbortSignal, stoppable: boolean): Promise<string> {
    return retrying(() => this.run(args, signal, stoppable), {
      isTransient,
      signal,
      attempts: this.options.attempts ?? 6,
      baseDelayMs: this.options.baseDelayMs ?? 500,
      maxDelayMs: 4000,
    })
  }

  /**
   * One call; its stdout, or a VBoxManageError. A change is not cut short by the signal (a half-done VBoxManage call
   * helps no one); a query is, when `stoppable`.
   */
  run(args: readonly string[], signal?: AbortSignal, stoppable = false): Promise<string> {
    signal?.throwIfAborted()
    return new Promise((resolve, reject) => {
      const options = {env: this.options.env, maxBuffer: 16 * 1024 * 1024, windowsHide: true, ...(stoppable && signal !== undefined ? {signal} : {})}
      execFile(this.options.bin, [...args], options, (error, stdout, stderr) => {
        if (error === null) {
          resolve(stdout)
          return
        }
        if (stoppable && signal?.aborted === true) {
          reject(signal.reason as Error)
          return
        }
        const code = typeof error.code === 'number' ? error.code : 1
        if (typeof error.code === 'string') {
          reject(new BerthError(`Cannot run ${this.options.bin}: ${error.message}`, {code: 'tool-unrunnable', data: {tool: this.options.bin}, hint: prose`Check the VirtualBox installation (${run('drivers')} shows what berth found).`}))
          return
        }
        reject(new VBoxManageError(args, stderr, code))
      })
    })
  }
}

/** `showvminfo --machinereadable` and similar key="value" output, keys and values unquoted. */
export function parseMachineReadable(text: string): Record<string, string> {
  const values: Record<string, string> = {}
  for (const line of text.split('\n')) {
    const match = /^"?([^"=]+)"?=(.*)$/.exec(line.trim())
    if (match === null) continue
    const raw = match[2]!
    values[match[1]!] = raw.startsWith('"') && raw.endsWith('"') && raw.length >= 2 ? raw.slice(1, -1) : raw
  }
  return values
}

/** Blocks of "Key:   value" lines separated by blank lines (`list hostonlyifs`, `list dhcpservers`, `list hdds`). */
export function parseBlocks(text: string): Array<Record<string, string>> {
  const blocks: Array<Record<string, string>> = []
  let current: Record<string, string> = {}
  for (const line of [...text.split('\n'), '']) {
    const match = /^([A-Za-z][\w .-]*?):\s*(.*)$/.exec(line)
    if (line.trim() === '') {
      if (Object.keys(current).length > 0) blocks.push(current)
      current = {}
    } else if (match !== null && !line.startsWith(' ') && !line.startsWith('\t')) {
      current[match[1]!] = match[2]!.trim()
    }
  }
  return blocks
}
