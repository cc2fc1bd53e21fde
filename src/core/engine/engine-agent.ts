import type tls from 'node:tls'
import {engineSecureContext, type EngineTls} from './engine-tls.js'

/**
 * Shared by many queries at once (berth ls): the TLS context built from an EngineTls is kept for as long as
 * that object lives, since building one parses the certificate and key, which costs milliseconds per query.
 * Connections are never kept: every query closes its socket and nothing lingers after the command.
 */
export class EngineAgent {
  readonly #contexts = new WeakMap<EngineTls, tls.SecureContext>()

  /** The context for engineTls, built on first use; pass the same EngineTls object to every call to share it. */
  secureContextFor(engineTls: EngineTls): tls.SecureContext {
    let context = this.#contexts.get(engineTls)
    if (context === undefined) {
      context = engineSecureContext(engineTls)
      this.#contexts.set(engineTls, context)
    }
    return context
  }

  /** Nothing to release (no sockets are pooled); kept so callers can end an agent's use explicitly. */
  destroy(): void {}
}

export function createEngineAgent(): EngineAgent {
  return new EngineAgent()
}
