import {spawn, type StdioOptions} from 'node:child_process'
import {constants} from 'node:fs'
import {access, stat} from 'node:fs/promises'
import {delimiter, isAbsolute, join} from 'node:path'
import {BerthError, errorMessage} from '../errors.js'
import {signalExitCode} from '../ssh/channel.js'

/** Where a program lives on PATH (an executable regular file), as a shell would find it; undefined if nowhere. */
export async function findExecutable(name: string, env: NodeJS.ProcessEnv): Promise<string | undefined> {
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    // An empty or relative PATH entry means the current directory: never look there for ssh.
    if (dir === '' || !isAbsolute(dir)) continue
    const candidate = join(dir, name)
    try {
      await access(candidate, constants.X_OK)
      if ((await stat(candidate)).isFile()) return candidate
    } catch {
      // Not here; try the next directory.
    }
  }
  return undefined
}

/** A program berth runs is not installed: one line naming the package that brings it. */
export class MissingToolError extends BerthError {
  override readonly name = 'MissingToolError'

  constructor(readonly tool: string, purpose: string, debianPackage: string) {
    super(`${purpose} needs ${tool}, which is not installed (not found on PATH).`, {code: 'tool-missing', data: {tool, purpose, pkg: debianPackage}})
  }
}

/** The path of a program that must be on PATH, or MissingToolError. */
export async function requireExecutable(tool: string, env: NodeJS.ProcessEnv, purpose: string, debianPackage: string): Promise<string> {
  const found = await findExecutable(tool, env)
  if (found === undefined) throw new MissingToolError(tool, purpose, debianPackage)
  return found
}

/**
 * Run a program to its end and return its exit code (128 + the signal's number when a signal ended it, as shells
 * report it). Its output goes where stdio says; berth does not interpret it.
 */
export function runTool(file: string, args: readonly string[], options: {env: NodeJS.ProcessEnv; stdio: StdioOptions}): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, [...args], {env: options.env, stdio: options.stdio})
    child.once('error', (error) => reject(new BerthError(`Cannot run ${file}: ${errorMessage(error)}`, {code: 'tool-unrunnable', data: {tool: file}, cause: error})))
    child.once('exit', (code, signal) => resolve(code ?? signalExitCode(signal ?? undefined)))
  })
}
