import {engineVersion, type EngineTls, type EngineVersion} from '../engine/engine-client.js'
import {EngineError} from '../engine/engine-error.js'
import {TimeoutError, errorMessage} from '../errors.js'
import {withWaitScope} from '../wait-scope.js'

interface EngineWaitOptions {
  timeoutMs: number
  signal: AbortSignal
  /** Told each failure that is tried again, for the progress line. */
  onRetry?: (error: unknown) => void
}

const PAUSE_MS = 150
/**
 * An engine that answers but is refused (its certificate, berth's client certificate, a wrong answer) may be the old
 * one still running for a moment while it restarts: tried again this long, then final.
 */
const REFUSED_ANSWER_GRACE_MS = 5_000

/**
 * Ask the engine over TLS until it answers, for at most timeoutMs: a restarted dockerd takes a moment to listen.
 * A refused or timed-out connection is tried again until the deadline; an engine that answers and is refused
 * stops the wait after a short grace, with that cause.
 */
export async function waitForEngine(url: string, tls: EngineTls, options: EngineWaitOptions): Promise<EngineVersion> {
  const deadline = Date.now() + options.timeoutMs
  return withWaitScope(options.signal, async (scope) => {
    let lastError: unknown
    let refusedSince: number | undefined
    while (Date.now() < deadline) {
      try {
        return await scope.attempt((signal) => engineVersion(url, tls, {signal, timeoutMs: Math.min(10_000, Math.max(1000, deadline - Date.now()))}))
      } catch (error) {
        if (scope.signal.aborted) throw error
        lastError = error
      }
      if (answeredAndRefused(lastError)) {
        refusedSince ??= Date.now()
        if (Date.now() - refusedSince >= REFUSED_ANSWER_GRACE_MS) throw lastError
      } else {
        refusedSince = undefined
      }
      options.onRetry?.(lastError)
      await scope.pause(PAUSE_MS)
    }
    const seconds = options.timeoutMs / 1000
    throw new TimeoutError(`The engine at ${url} did not answer over TLS within ${seconds}s: ${errorMessage(lastError)}`, {code: 'engine-wait-timed-out', data: {url, seconds}, cause: lastError})
  })
}

/** The engine was reached and refused (certificates, TLS, HTTP), as opposed to not reached at all or too slow. */
function answeredAndRefused(error: unknown): boolean {
  return error instanceof EngineError && error.reason !== 'unreachable' && error.reason !== 'timeout'
}
