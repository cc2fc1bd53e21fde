import {BerthError} from '../errors.js'
import type {RemoteSession} from '../ssh/session.js'
import {lastLine} from './host-facts.js'

/** Run a script as root on the host and return what it printed; a non-zero exit fails with its last line of output. */
export async function runAsRoot(session: RemoteSession, script: string, signal: AbortSignal, options: {stdin?: string; what?: string} = {}): Promise<string> {
  const result = await session.exec(script, {sudo: true, signal, ...(options.stdin === undefined ? {} : {stdin: options.stdin})})
  if (result.code !== 0) {
    const output = lastLine(result.stderr) || lastLine(result.stdout)
    throw new BerthError(`${options.what === undefined ? '' : `berth could not ${options.what} on the host: `}exit ${result.code}${output ? `: ${output}` : ''}`)
  }
  return result.stdout
}
