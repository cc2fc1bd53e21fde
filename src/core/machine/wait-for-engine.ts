import {engineVersion, type EngineTls, type EngineVersion} from '../engine/engine-client.js'
import {TimeoutError, errorMessage} from '../errors.js'

/** Ask the engine over TLS until it answers, for at most timeoutMs: a restarted dockerd takes a moment to listen. */
export async function waitForEngine(url: string, tls: EngineTls, options: {timeoutMs: number; signal: AbortSignal}): Promise<EngineVersion> {
  const deadline = Date.now() + options.timeoutMs
  let lastError: unknown
  while (Date.now() < deadline) {
    options.signal.throwIfAborted()
    try {
      return await engineVersion(url, tls, {signal: options.signal, timeoutMs: Math.min(10_000, Math.max(1000, deadline - Date.now()))})
    } catch (error) {
      if (options.signal.aborted) throw error
      lastError = error
    }
    await new Promise((resolve) => setTimeout(resolve, 150))
  }
  throw new TimeoutError(`The engine at ${url} did not answer over TLS within ${options.timeoutMs / 1000}s: ${errorMessage(lastError)}`)
}
