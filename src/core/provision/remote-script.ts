import {StringDecoder} from 'node:string_decoder'
import {BerthError} from '../errors.js'
import type {ExecResult, RemoteSession} from '../ssh/session.js'

interface RootScriptOptions {
  stdin?: string
  /** What the script does, for the error of a failed run: "berth could not WHAT on the host: exit N: LINE". */
  what?: string
  /** The error instead, from the exit code, the last line of output ("" when none) and the whole result. */
  failure?: (code: number, line: string, result: ExecResult) => Error
  /**
   * Told the latest non-empty line the script printed, as it runs (a long script's progress: the install script's,
   * an engine stop waiting on its containers). Host text: the reporter makes it safe to show.
   */
  onLine?: (line: string) => void
}

/**
 * The one way berth runs a script as root on a host. By default a non-zero exit fails with the script's last line
 * of output and what it printed is returned; with {check: false} the whole result comes back whatever the exit, for
 * callers that read a failed command's output (a package manager's reason, dockerd's refusal).
 */
export function runAsRoot(session: RemoteSession, script: string, signal: AbortSignal | undefined, options?: RootScriptOptions & {check?: true}): Promise<string>
export function runAsRoot(session: RemoteSession, script: string, signal: AbortSignal | undefined, options: Omit<RootScriptOptions, 'what' | 'failure'> & {check: false}): Promise<ExecResult>
export async function runAsRoot(session: RemoteSession, script: string, signal: AbortSignal | undefined, options: RootScriptOptions & {check?: boolean} = {}): Promise<string | ExecResult> {
  const result = await session.exec(script, {
    sudo: true,
    ...(signal === undefined ? {} : {signal}),
    ...(options.stdin === undefined ? {} : {stdin: options.stdin}),
    ...(options.onLine === undefined ? {} : {onOutput: latestLines(options.onLine)}),
  })
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

/** Longest unfinished line kept while waiting for its end: a script printing without line breaks is not held whole. */
const PARTIAL_LIMIT = 4096

/**
 * Pieces of output to their lines, each stream on its own, the latest complete non-empty one told as it ends (a
 * carriage return ends one too: progress meters redraw with it). Terminal escapes (colours) are dropped, so that the
 * line reads as text.
 */
export function latestLines(onLine: (line: string) => void): (chunk: Buffer, stream: 'stdout' | 'stderr') => void {
  const streams = {stdout: {decoder: new StringDecoder('utf8'), partial: ''}, stderr: {decoder: new StringDecoder('utf8'), partial: ''}}
  return (chunk, name) => {
    const stream = streams[name]
    const parts = (stream.partial + stream.decoder.write(chunk)).split(/[\r\n]/)
    stream.partial = parts.pop()!.slice(-PARTIAL_LIMIT)
    // eslint-disable-next-line no-control-regex -- the escapes are what is removed
    const latest = parts.map((line) => line.replace(/\u001b\[[0-9;?]*[ -/]*[@-~]/g, '').trim()).filter((line) => line !== '').at(-1)
    if (latest !== undefined) onLine(latest)
  }
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
