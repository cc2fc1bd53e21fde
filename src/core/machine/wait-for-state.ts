import type {Driver, MachineState} from '../drivers/driver.js'
import {TimeoutError} from '../errors.js'

/** Poll a driver until the host reaches a state, for at most timeoutMs; the error names the last state seen. */
export async function waitForState(driver: Driver, wanted: MachineState, what: string, options: {timeoutMs: number; signal: AbortSignal}): Promise<void> {
  const deadline = Date.now() + options.timeoutMs
  let last: MachineState | undefined
  for (let delay = 250; ; delay = Math.min(delay * 2, 3000)) {
    options.signal.throwIfAborted()
    last = await driver.state(options.signal)
    if (last === wanted) return
    if (Date.now() + delay > deadline) break
    await new Promise((resolve) => setTimeout(resolve, delay))
  }
  throw new TimeoutError(`${what} was still ${last} after ${Math.round(options.timeoutMs / 1000)}s, waiting for ${wanted}.`)
}
