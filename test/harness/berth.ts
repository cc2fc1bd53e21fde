import {execFile} from 'node:child_process'
import {existsSync} from 'node:fs'
import {mkdtemp, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {shellJoin} from '../../src/core/ssh/shell-quote.js'

/** The repository root, whether this file runs from test/harness (vitest) or dist/test/harness (compiled). */
export const repoRoot = findRepoRoot(dirname(fileURLToPath(import.meta.url)))
const runJs = join(repoRoot, 'bin', 'run.cjs')

export interface RunResult {
  code: number
  stdout: string
  stderr: string
}

/**
 * A sandbox for running the real berth CLI: its own store, docker config and oclif data directories,
 * so tests never read or change the user's. dispose() removes everything.
 */
export class BerthSandbox {
  private constructor(readonly dir: string, readonly env: NodeJS.ProcessEnv) {}

  static async create(): Promise<BerthSandbox> {
    const dir = await mkdtemp(join(tmpdir(), 'berth-test-'))
    return new BerthSandbox(dir, sandboxEnv(dir, 'tester'))
  }

  get storePath(): string {
    return this.env.BERTH_STORAGE_PATH!
  }

  /**
   * Run `berth ARGS` to completion; never throws for a non-zero exit. `prefix` runs it through another command
   * first (e.g. setpriv, to drop the capabilities that let root read any file).
   */
  run(args: readonly string[], options: {env?: NodeJS.ProcessEnv; input?: string; prefix?: readonly string[]; timeoutMs?: number} = {}): Promise<RunResult> {
    const [file, ...before] = [...(options.prefix ?? []), 'node']
    return runProcess(file, [...before, runJs, ...args], {...this.env, ...options.env}, options.input, options.timeoutMs)
  }

  /**
   * Run `berth ARGS` with a terminal (a pseudo-terminal from util-linux's script) on its stdin, stdout and stderr,
   * typing `input` into it: for questions berth asks only when someone can answer. Both streams arrive as stdout,
   * with the terminal's echo of the input and any line-editing escapes. The terminal is TERM=dumb (no progress
   * drawn in place, no colour) unless `env` says otherwise.
   */
  runInTerminal(args: readonly string[], input: string, env: NodeJS.ProcessEnv = {}): Promise<RunResult> {
    return runProcess('script', ['-qec', shellJoin(['node', runJs, ...args]), '/dev/null'], {...this.env, TERM: 'dumb', ...env}, input)
  }

  /** Run a shell snippet with this sandbox's environment (for eval "$(berth env ...)"). BERTH names the CLI. */
  sh(script: string, env: NodeJS.ProcessEnv = {}): Promise<RunResult> {
    return runProcess('bash', ['-c', script], {...this.env, BERTH: `node ${runJs}`, ...env})
  }

  async dispose(): Promise<void> {
    await rm(this.dir, {recursive: true, force: true})
  }
}

/**
 * An environment that keeps berth, the docker CLI and oclif inside dir: only PATH comes from this process. npm (which
 * `berth plugins` runs) works offline: tests never reach the registry.
 */
export function sandboxEnv(dir: string, user: string): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: dir,
    USER: user,
    SHELL: '/bin/bash',
    BERTH_STORAGE_PATH: join(dir, 'store'),
    DOCKER_CONFIG: join(dir, 'docker'),
    XDG_DATA_HOME: join(dir, 'xdg', 'data'),
    XDG_CONFIG_HOME: join(dir, 'xdg', 'config'),
    XDG_CACHE_HOME: join(dir, 'xdg', 'cache'),
    npm_config_offline: 'true',
    npm_config_audit: 'false',
    npm_config_fund: 'false',
    npm_config_update_notifier: 'false',
  }
}

function findRepoRoot(from: string): string {
  for (let dir = from; dir !== dirname(dir); dir = dirname(dir)) {
    if (existsSync(join(dir, 'bin', 'run.cjs'))) return dir
  }
  throw new Error(`bin/run.cjs not found above ${from}`)
}

export function runProcess(file: string, args: readonly string[], env: NodeJS.ProcessEnv, input?: string, timeoutMs = 120_000): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = execFile(file, [...args], {env, maxBuffer: 16 * 1024 * 1024, timeout: timeoutMs}, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1
      resolve({code, stdout, stderr})
    })
    // A child that exits before reading its input (a create that lost the race for its name) closes the pipe: the
    // result is its exit code, not the write's EPIPE.
    child.stdin?.on('error', () => {})
    child.stdin?.end(input ?? '')
  })
}
