import {pause} from '../core/abort.js'

interface RetryOptions {
  /** Whether the failure may pass by itself (throttling, a 5xx, a connection reset); others are thrown at once. */
  isTransient(error: unknown): boolean
  signal: AbortSignal
  /** All tries, the first included. */
  attempts?: number
  baseDelayMs?: number
  maxDelayMs?: number
  /** The server's own wait, when it said one (Retry-After, a rate-limit reset), which replaces the backoff. */
  retryAfterMs?(error: unknown): number | undefined
  /** Told before each wait, for progress or debug output. */
  onRetry?(error: unknown, attempt: number, delayMs: number): void
}

/**
 * Run work, trying again after transient failures with exponential backoff and full jitter, so that many
 * berth processes throttled together do not come back together. Aborting the signal ends the wait at once.
 */
export async function retrying<T>(work: () => Promise<T>, options: RetryOptions): Promise<T> {
  const attempts = options.attempts ?? 5
  const base = options.baseDelayMs ?? 500
  const max = options.maxDelayMs ?? 8_000
  for (let attempt = 1; ; attempt++) {
    options.signal.throwIfAborted()
    try {
      return await work()
    } catch (error) {
      if (attempt >= attempts || !options.isTransient(error)) throw error
      const backoff = Math.random() * Math.min(max, base * 2 ** (attempt - 1))
      const delay = Math.min(max, options.retryAfterMs?.(error) ?? backoff)
      options.onRetry?.(error, attempt, delay)
      await pause(delay, options.signal)
    }
  }
}
