import {TimeoutError} from './errors.js'
import {pause} from './abort.js'

interface PollOptions<T> {
  signal: AbortSignal
  timeoutMs: number
  /** The first pause between reads (default 1 s); later ones grow by half up to 5 s. */
  intervalMs?: number
  /** What was still awaited, from the last value read: "Droplet 42 was still new" (the error adds "after Ns."). */
  describe: (last: T) => string
}

const MAX_INTERVAL_MS = 5000

/**
 * Read until done(value), within timeoutMs: how a driver waits for its cloud or hypervisor to carry something out.
 * The timeout error says what was awaited and how things last stood.
 */
export async function pollUntil<T, Done extends T>(read: () => Promise<T>, done: (value: T) => value is Done, options: PollOptions<T>): Promise<Done>
export async function pollUntil<T>(read: () => Promise<T>, done: (value: T) => boolean, options: PollOptions<T>): Promise<T>
export async function pollUntil<T>(read: () => Promise<T>, done: (value: T) => boolean, options: PollOptions<T>): Promise<T> {
  const deadline = Date.now() + options.timeoutMs
  for (let interval = options.intervalMs ?? 1000; ; interval = Math.min(MAX_INTERVAL_MS, Math.round(interval * 1.5))) {
    options.signal.throwIfAborted()
    const value = await read()
    if (done(value)) return value
    if (Date.now() + interval > deadline) {
      const [still, seconds] = [options.describe(value), Math.round(options.timeoutMs / 1000)]
      throw new TimeoutError(`${still} after ${seconds}s.`, {code: 'wait-timed-out', data: {still, seconds}})
    }
    await pause(interval, options.signal)
  }
}
