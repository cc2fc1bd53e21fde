import {TimeoutError} from '../errors.js'
import {withWaitScope} from '../wait-scope.js'
import {connectSsh, type ConnectOptions} from './connect.js'
import {describeEndpoint, SshConnectionError} from './errors.js'
import type {SshSession} from './session.js'

export interface WaitForSshOptions extends Omit<ConnectOptions, 'readyTimeoutMs'> {
  /** The deadline for the whole wait (--ssh-timeout), from the first attempt. */
  timeoutMs: number
  /**
   * Whether the host may still be booting (a VM or cloud instance just made or started, a host just rebooted): its
   * refusals, missing routes and timeouts can pass, so they are tried again until the deadline. A host that should
   * be up already (a server the generic driver takes over, a machine that runs) answers once: a refusal, a missing
   * route or a timeout there is the answer, and waiting would only hide it.
   */
  mayBeBooting: boolean
  /** Told before each attempt (1-based) with the error that ended the previous one: for progress output. */
  onAttempt?: (attempt: number, lastError: SshConnectionError | undefined) => void
}

const FIRST_DELAY_MS = 250
const MAX_DELAY_MS = 2_000
/** One attempt never takes longer than this, so a host that hangs mid-handshake is tried again. */
const MAX_ATTEMPT_MS = 15_000
const MIN_ATTEMPT_MS = 250
/**
 * An sshd that is up may still close a connection before the session is ready when many arrive at once
 * (MaxStartups): that much is tried again even on a host that is not booting.
 */
const CLOSED_ATTEMPTS_WHEN_UP = 3

/**
 * Open an SSH session, with exponential backoff (250 ms doubling to 2 s) between attempts until the deadline for
 * what can pass while a host boots (see mayBeBooting). A rejected key, a changed host key or an unusable key fail
 * at once on any host, since waiting cannot fix them; aborting the signal stops at once.
 */
export async function connectWithRetry(options: WaitForSshOptions): Promise<SshSession> {
  const {timeoutMs, onAttempt} = options
  return withWaitScope(options.signal, async (scope) => {
    const started = Date.now()
    const deadline = started + timeoutMs
    let delay = FIRST_DELAY_MS
    let lastError: SshConnectionError | undefined
    for (let attempt = 1; ; attempt++) {
      onAttempt?.(attempt, lastError)
      const readyTimeoutMs = Math.max(MIN_ATTEMPT_MS, Math.min(MAX_ATTEMPT_MS, deadline - Date.now()))
      try {
        return await scope.attempt((signal) => connectSsh({...options, readyTimeoutMs, signal}))
      } catch (error) {
        if (!(error instanceof SshConnectionError)) throw error
        lastError = error
      }
      if (!options.mayBeBooting && !(lastError.failure === 'closed' && attempt < CLOSED_ATTEMPTS_WHEN_UP)) throw lastError
      const left = deadline - Date.now()
      if (left <= 0) {
        const waited = ((Date.now() - started) / 1000).toFixed(1)
        throw new TimeoutError(
          `Timed out after ${waited} s waiting for SSH on ${describeEndpoint(options)} (${attempt} attempts); last error: ${lastError.message}`,
          {code: 'ssh-timeout', data: {host: options.host, port: options.port, user: options.user, attempts: attempt, waited}, cause: lastError},
        )
      }
      await scope.pause(Math.min(delay, left))
      delay = Math.min(delay * 2, MAX_DELAY_MS)
    }
  })
}
