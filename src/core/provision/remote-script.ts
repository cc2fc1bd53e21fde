import {BerthError} from '../errors.js'
import type {ExecResult, RemoteSession} from '../ssh/session.js'

interface RootScriptOptions {
  stdin?: string
  /** What the script does, for the error of a failed run: "berth could not WHAT on the host: exit N: LINE". */
  what?: string
  /** The error instead, from the exit code, the last line of output ("" when none) and the whole result. */
  failure?: (code: number, line: string, result: ExecResult) => Error
}

/**
 * The one way berth runs a script as root on a host. By default a non-zero exit fails with the script's last line
 * of output and what it printed is returned; with {check: false} the whole result comes back whatever the exit, for
 * callers that read a failed command's output (a package manager's reason, dockerd's refusal).
 */
export function runAsRoot(session: RemoteSession, script: string, signal: AbortSignal | undefined, options?: RootScriptOptions & {check?: true}): Promise<string>
export function runAsRoot(session: RemoteSession, script: string, signal: AbortSignal | undefined, options: Omit<RootScriptOptions, 'what' | 'failure'> & {check: false}): Promise<ExecResult>
export async function runAsRoot(session: RemoteSession, script: string, signal: AbortSignal | undefined, options: RootScriptOptions & {check?: boolean} = {}): Promise<string | ExecResult> {
  const result = await session.exec(script, {sudo: true, ...(signal === undefined ? {} : {signal}), ...(options.stdin === undefined ? {} : {stdin: options.stdin})})
  if (options.check === false) return result
  if (result.code !== 0) {
    const line = outputLine(result) ?? ''
    if (options.failure !== undefined) throw options.failure(result.code, line, result)
    throw new BerthError(`${options.what === undefined ? '' : `berth could not ${options.what} on the host: `}exit ${result.code}${line ? `: ${line}` : ''}`, {
      code: 'host-script-failed',
      data: {status: result.code, output: line, ...(options.what === undefined ? {} : {action: options.what})},
    })
  }
  return result.stdout
}

/** The error of a script that was to read `what` from the host and exited with `status`, last printing `output`. */
export function hostReadFailed(what: 'facts' | 'engine-binary', status: number, output: string): BerthError {
  const subject = what === 'facts' ? 'the host\'s facts' : 'the engine\'s binary on the host'
  return new BerthError(`Could not read ${subject} (exit ${status}): ${output}`, {code: 'host-read-failed', data: {what, status, output}})
}

/** The last line a command printed, on stderr first; undefined when it printed nothing. */
export function outputLine(result: ExecResult): string | undefined {
  return lastLine(result.stderr) || lastLine(result.stdout) || undefined
}

export function lastLine(text: string): string {
  return text.trim().split('\n').at(-1) ?? ''
}
