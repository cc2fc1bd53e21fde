import {TimeoutError, errorMessage} from '../errors.js'
import {pause} from './abort.js'
import {connectSsh, type ConnectOptions} from './connect.js'
import {describeEndpoint, SshConnectionError} from './errors.js'
import type {SshSession} from './session.js'

export interface WaitForSshOptions extends Omit<ConnectOptions, 'readyTimeoutMs'> {
  /** The deadline for the whole wait (--ssh-timeout), from the first attempt. */
  timeoutMs: number
  /** Told before each attempt (1-based) with the error that ended the previous one: for progress output. */
  onAttempt?: (attempt: number, lastError: Error | undefined) => void
}

const FIRST_DELAY_MS = 250
const MAX_DELAY_MS = 2_000
/** One attempt never takes longer than this, so a host that hangs mid-handshake is tried again. */
const MAX_ATTEMPT_MS = 15_000
const MIN_ATTEMPT_MS = 250

/**
 * Open an SSH session to a host that may still be booting: connection refused, timeouts and missing banners
 * are retried with exponential backoff (250 ms doubling to 2 s) until the deadline. A rejected key, a changed
 * host key or an unusable key fail at once, since waiting cannot fix them; aborting the signal stops at once.
 */
export async function connectWithRetry(options: WaitForSshOptions): Promise<SshSession> {
  const {timeoutMs, signal, onAttempt} = options
  const started = Date.now()
  const deadline = started + timeoutMs
  let delay = FIRST_DELAY_MS
  let lastError: Error | undefined
  for (let attempt = 1; ; attempt++) {
    signal?.throwIfAborted()
    onAttempt?.(attempt, lastError)
    const readyTimeoutMs = Math.max(MIN_ATTEMPT_MS, Math.min(MAX_ATTEMPT_MS, deadline - Date.now()))
    try {
      return await connectSsh({...options, readyTimeoutMs})
    } catch (error) {
      if (!(error instanceof SshConnectionError)) throw error
      lastError = error
    }
    const left = deadline - Date.now()
    if (left <= 0) {
      const waited = ((Date.now() - started) / 1000).toFixed(1)
      throw new TimeoutError(
        `Timed out after ${waited} s waiting for SSH on ${describeEndpoint(options)} (${attempt} attempts); last error: ${errorMessage(lastError.cause ?? lastError)}`,
        {hint: `Check that the host is running and that port ${options.port} is open to this computer, or allow more time with --ssh-timeout.`, cause: lastError},
      )
    }
    await pause(Math.min(delay, left), signal)
    delay = Math.min(delay * 2, MAX_DELAY_MS)
  }
}
