import {pause} from './abort.js'

/** What a wait loop gets: a signal of its own, attempts that each get a signal of theirs, and abortable pauses. */
interface WaitScope {
  /** Aborted when the caller's signal is. */
  readonly signal: AbortSignal
  /** Run one attempt with a signal that lives only as long as the attempt. */
  attempt<T>(work: (signal: AbortSignal) => Promise<T>): Promise<T>
  /** A pause between attempts that ends early, with the abort reason, when the caller aborts. */
  pause(ms: number): Promise<void>
}

/**
 * Run a wait with one listener on the caller's signal for its whole length, removed when it ends. Each attempt gets a
 * signal of its own, dropped after the attempt: a call that leaves its abort listener behind (a driver's state(), a
 * socket helper) leaves it on that throwaway signal, so a wait of a hundred attempts never piles listeners up on the
 * caller's signal (Node warns of a leak, MaxListenersExceededWarning, past ten).
 */
export async function withWaitScope<T>(outer: AbortSignal | undefined, body: (scope: WaitScope) => Promise<T>): Promise<T> {
  const controller = new AbortController()
  const forward = (): void => controller.abort(outer?.reason)
  if (outer?.aborted) forward()
  else outer?.addEventListener('abort', forward, {once: true})
  const {signal} = controller
  const scope: WaitScope = {
    signal,
    async attempt(work) {
      signal.throwIfAborted()
      const attempt = new AbortController()
      const abortAttempt = (): void => attempt.abort(signal.reason)
      signal.addEventListener('abort', abortAttempt, {once: true})
      try {
        return await work(attempt.signal)
      } finally {
        signal.removeEventListener('abort', abortAttempt)
      }
    },
    pause: (ms) => pause(ms, signal),
  }
  try {
    return await body(scope)
  } finally {
    outer?.removeEventListener('abort', forward)
  }
}
