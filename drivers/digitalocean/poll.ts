import {TimeoutError} from '../../src/core/errors.js'
import {pause} from '../../src/core/ssh/abort.js'

export interface PollOptions<T> {
  signal: AbortSignal
  timeoutMs: number
  /** The first pause between reads; later ones grow to MAX_INTERVAL_MS. */
  intervalMs?: number
  /** What was still awaited, from the last value read: "Droplet 42 was still new". */
  describe: (last: T) => string
}

const MAX_INTERVAL_MS = 5000

/** Read until done(value), within timeoutMs; the error says what was awaited and how things last stood. */
export async function pollUntil<T>(read: () => Promise<T>, done: (value: T) => boolean, options: PollOptions<T>): Promise<T> {
  const deadline = Date.now() + options.timeoutMs
  for (let interval = options.intervalMs ?? 1000; ; interval = Math.min(MAX_INTERVAL_MS, Math.round(interval * 1.5))) {
    const value = await read()
    if (done(value)) return value
    if (Date.now() + interval > deadline) throw new TimeoutError(`${options.describe(value)} after ${Math.round(options.timeoutMs / 1000)}s.`)
    await pause(interval, options.signal)
  }
}
