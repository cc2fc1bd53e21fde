import {setTimeout as delay} from 'node:timers/promises'

/** Wait, unless the operation is aborted first (Ctrl-C): then throw the signal's reason, as the core's waits do. */
export async function sleep(ms: number, signal: AbortSignal): Promise<void> {
  signal.throwIfAborted()
  try {
    await delay(ms, undefined, {signal})
  } catch (error) {
    signal.throwIfAborted()
    throw error
  }
}
