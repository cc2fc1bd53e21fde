import {DigitalOceanApiError} from './api-error.js'
import {sleep} from './sleep.js'

export interface RetryOptions<T> {
  signal: AbortSignal
  /**
   * For a request that makes something: after a failure that leaves open whether it was made (5xx, cut
   * connection), look for it; what this finds is the result, and the request is not repeated.
   */
  recover?: () => Promise<T | undefined>
}

/** Server errors and lost connections: this many attempts in all, backing off from BASE_DELAY_MS. */
const ATTEMPTS = 5
/** Rate limiting: this many attempts, each after the wait the API asks for. */
const THROTTLED_ATTEMPTS = 8
const BASE_DELAY_MS = 1000
const MAX_DELAY_MS = 15_000
/** A rate limit that frees no request sooner than this is reported rather than waited out. */
export const MAX_THROTTLE_WAIT_MS = 120_000

/** Run one API request, again after throttling (as long as the API asks to wait), server errors and lost connections. */
export async function withRetries<T>(work: () => Promise<T>, options: RetryOptions<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work()
    } catch (error) {
      if (!(error instanceof DigitalOceanApiError)) throw error
      if (error.ambiguous && options.recover !== undefined) {
        const found = await options.recover()
        if (found !== undefined) return found
      }
      const delay = retryDelay(error, attempt)
      if (delay === undefined) throw error
      await sleep(delay, options.signal)
    }
  }
}

/** How long to wait before the next attempt, or undefined when the failure is final. */
export function retryDelay(error: DigitalOceanApiError, attempt: number): number | undefined {
  if (error.status === 429) {
    if (attempt >= THROTTLED_ATTEMPTS) return undefined
    const asked = error.retryAfterMs
    if (asked === undefined) return backoff(attempt)
    // A little past the moment the API named, so the request does not arrive a hair too early.
    return asked > MAX_THROTTLE_WAIT_MS ? undefined : asked + 250
  }
  const transient = (error.status !== undefined && error.status >= 500) || error.network !== undefined
  return transient && attempt < ATTEMPTS ? backoff(attempt) : undefined
}

/** Exponential, with jitter so that several berth processes do not retry in step. */
function backoff(attempt: number): number {
  const ceiling = Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** (attempt - 1))
  return Math.round(ceiling / 2 + Math.random() * ceiling / 2)
}
