import type {Driver, MachineState} from '../../driver-kit/contract.js'
import {BerthError, TimeoutError} from '../errors.js'
import {withWaitScope} from '../wait-scope.js'

interface StateWaitOptions {
  timeoutMs: number
  signal: AbortSignal
  /** Told each state the driver reports on the way, for the progress line. */
  onState?: (state: MachineState) => void
}

/** Poll a driver until the machine's host reaches a state, for at most timeoutMs; the error names the last state seen. */
export async function waitForState(driver: Driver, wanted: MachineState, machine: string, options: StateWaitOptions): Promise<void> {
  const deadline = Date.now() + options.timeoutMs
  const last = await withWaitScope(options.signal, async (scope) => {
    for (let delay = 250; ; delay = Math.min(delay * 2, 3000)) {
      const state = await scope.attempt((signal) => driver.state(signal).catch(unreachableAsError))
      if (state === wanted || Date.now() + delay > deadline) return state
      options.onState?.(state)
      await scope.pause(delay)
    }
  })
  if (last === wanted) return
  const seconds = Math.round(options.timeoutMs / 1000)
  throw new TimeoutError(`Machine "${machine}" was still ${last} after ${seconds}s, waiting for ${wanted}.`, {code: 'state-wait-timed-out', data: {machine, state: last, wanted, seconds}})
}

/** A host that does not answer yet (one that reboots) is a state on the way, not the end of the wait. */
function unreachableAsError(error: unknown): MachineState {
  if (error instanceof BerthError && error.code === 'host-unreachable') return 'Error'
  throw error
}
