import {TimeoutError} from '../../src/core/errors.js'
import {pause} from '../../src/core/ssh/abort.js'

/**
 * Ask until the answer is there: every second at first, then less often (up to every 5 s), until the deadline.
 * `check` returns undefined for "not yet"; the error names what was awaited and the last thing seen.
 */
export async function pollUntil<T>(check: () => Promise<T | undefined>, options: {timeoutMs: number; signal: AbortSignal; what: string; lastSeen: () => string}): Promise<T> {
  const deadline = Date.now() + options.timeoutMs
  for (let delay = 1000; ; delay = Math.min(Math.round(delay * 1.5), 5000)) {
    options.signal.throwIfAborted()
    const result = await check()
    if (result !== undefined) return result
    if (Date.now() + delay > deadline) break
    await pause(delay, options.signal)
  }
  throw new TimeoutError(`${options.what} took longer than ${Math.round(options.timeoutMs / 1000)}s (last seen: ${options.lastSeen()}).`)
}
