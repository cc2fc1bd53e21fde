import {constants} from 'node:os'
import type {Client, ClientChannel} from 'ssh2'
import {TimeoutError} from '../errors.js'
import {abortReason} from '../abort.js'

/** What a remote command did, with its output as bytes (callers decode; downloads must not). */
export interface RawExecResult {
  code: number
  stdout: Buffer
  stderr: Buffer
}

interface ChannelOptions {
  stdin?: string | Buffer
  timeoutMs?: number
  signal?: AbortSignal
  /** How the command is named in a timeout message (the caller's command, not its sudo wrapper). */
  label: string
  /** Told each piece of output (stdout or stderr) as it arrives, for a caller that shows a long command's progress. */
  onOutput?: (chunk: Buffer, stream: 'stdout' | 'stderr') => void
}

/**
 * A process killed by a signal reports 128 + its number, as shells do; 255 when the name is unknown.
 * ssh2 gives the name as 'SIGTERM'; the protocol itself says 'TERM'.
 */
export function signalExitCode(signalName: string | undefined): number {
  const name = signalName === undefined || signalName.startsWith('SIG') ? signalName : `SIG${signalName}`
  const number = name === undefined ? undefined : constants.signals[name as NodeJS.Signals]
  return number === undefined ? 255 : 128 + number
}

/**
 * Ask the host to send a signal to the channel's command. TERM, because sudo relays it to the command it runs
 * (it could not relay KILL). OpenSSH (≥ 7.9) delivers it in sessions of non-root users; it refuses in root
 * sessions and ForceCommand sessions, where the command runs on until it ends or next writes to its closed output.
 * ssh2 1.17's channel.signal() does nothing once stdin is closed (it requires a writable stream; mscdex/ssh2#1510),
 * and berth always closes stdin, so the request goes through ssh2's protocol object, when it has the shape we know.
 */
function signalChannel(channel: ClientChannel, name: string): void {
  const internals = channel as unknown as {
    outgoing?: {id?: unknown; state?: unknown}
    _client?: {_protocol?: {signal?: unknown}}
  }
  const protocol = internals._client?._protocol
  const {id, state} = internals.outgoing ?? {}
  if (typeof id !== 'number' || (state !== 'open' && state !== 'eof') || typeof protocol?.signal !== 'function') return
  try {
    (protocol.signal as (channelId: number, signal: string) => void).call(protocol, id, name)
  } catch {
    // Best effort: the channel is being closed anyway.
  }
}

/**
 * Run one command on its own channel of an open connection. Resolves on the channel's close, with the exit code
 * from its 'exit' event (ssh2 may deliver 'exit' before the last output). Rejects on a timeout or abort at once,
 * without waiting for the host, and asks the host to stop the process (see signalChannel).
 */
export function execOnChannel(client: Client, command: string, options: ChannelOptions): Promise<RawExecResult> {
  const {signal, timeoutMs} = options
  return new Promise<RawExecResult>((resolve, reject) => {
    if (signal?.aborted) {
      reject(abortReason(signal))
      return
    }
    let settled = false
    let channel: ClientChannel | undefined
    let timer: NodeJS.Timeout | undefined
    const finish = (outcome: () => void) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      signal?.removeEventListener('abort', onAbort)
      outcome()
    }
    const stop = (reason: Error) => {
      finish(() => reject(reason))
      if (channel !== undefined) {
        signalChannel(channel, 'TERM')
        channel.close()
      }
    }
    const onAbort = () => {
      if (signal !== undefined) stop(abortReason(signal))
    }
    signal?.addEventListener('abort', onAbort, {once: true})
    if (timeoutMs !== undefined) {
      const timedOut = (): TimeoutError => new TimeoutError(`The command "${options.label}" did not finish within ${timeoutMs} ms.`, {code: 'command-timed-out', data: {command: options.label, ms: timeoutMs}})
      timer = setTimeout(() => stop(timedOut()), timeoutMs)
    }

    const onOpen = (error: Error | undefined, opened: ClientChannel) => {
      if (error) {
        finish(() => reject(error))
        return
      }
      channel = opened
      if (settled) {
        // Stopped while the channel was being opened.
        opened.close()
        return
      }
      const stdout: Buffer[] = []
      const stderr: Buffer[] = []
      let code: number | undefined
      opened.on('data', (chunk: Buffer) => {
        stdout.push(chunk)
        options.onOutput?.(chunk, 'stdout')
      })
      opened.stderr.on('data', (chunk: Buffer) => {
        stderr.push(chunk)
        options.onOutput?.(chunk, 'stderr')
      })
      opened.on('exit', (exitCode: number | null, signalName?: string) => {
        code = exitCode ?? signalExitCode(signalName)
      })
      opened.on('close', () => finish(() => {
        if (code === undefined) reject(new Error('the channel closed without an exit status (connection lost?)'))
        else resolve({code, stdout: Buffer.concat(stdout), stderr: Buffer.concat(stderr)})
      }))
      // Always end stdin, so a command that reads it sees end-of-file instead of waiting forever.
      opened.end(options.stdin)
    }
    try {
      client.exec(command, onOpen)
    } catch (error) {
      // ssh2 throws at once when the connection is already gone.
      finish(() => reject(error instanceof Error ? error : new Error(String(error))))
    }
  })
}
