import {spawn, type ChildProcessWithoutNullStreams} from 'node:child_process'
import {constants} from 'node:os'
import type {ExecResult} from './types.js'

export interface RunOptions {
  input?: string
  timeoutMs?: number
  /** Runs once the process exists and before it reads its input (used to move it into cgroups). */
  beforeInput?: (child: ChildProcessWithoutNullStreams) => Promise<void>
}

/** Run a program to completion; a signal death is reported as 128 + signal number, like a shell does. */
export function run(file: string, args: readonly string[], options: RunOptions = {}): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, {stdio: ['pipe', 'pipe', 'pipe']})
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk
    })
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk
    })
    // A command that exits without reading its input must not fail the run with EPIPE.
    child.stdin.on('error', () => {})
    const timer = options.timeoutMs === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), options.timeoutMs)
    child.on('error', (error) => {
      clearTimeout(timer)
      reject(error)
    })
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      resolve({code: code ?? 128 + (signal ? constants.signals[signal] : 0), stdout, stderr})
    })
    child.on('spawn', () => {
      const feed = async (): Promise<void> => {
        await options.beforeInput?.(child)
        child.stdin.end(options.input ?? '')
      }
      feed().catch((error: unknown) => {
        child.kill('SIGKILL')
        reject(error instanceof Error ? error : new Error(String(error)))
      })
    })
  })
}

/** Run a program and fail with its stderr unless it exits 0. */
export async function runOk(file: string, args: readonly string[], options: RunOptions = {}): Promise<ExecResult> {
  const result = await run(file, args, options)
  if (result.code !== 0) {
    throw new Error(`${shellCommand([file, ...args]).slice(0, 300)} exited ${result.code}: ${(result.stderr || result.stdout).trim().slice(-2000)}`)
  }
  return result
}

/** One shell word for arg. */
export function shellQuote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", `'\\''`)}'`
}

/** A shell command line from an argument vector. */
export function shellCommand(argv: readonly string[]): string {
  return argv.map(shellQuote).join(' ')
}
