import type {X509Certificate} from 'node:crypto'
import type tls from 'node:tls'
import {engineSecureContext, type EngineTls} from './engine-tls.js'
import {parseCa} from './peer-verify.js'

/**
 * Shared by many queries at once (berth ls): the TLS context and parsed CA built from an EngineTls are kept for
 * as long as that object lives, since building them parses certificates and a key, which costs milliseconds per query.
 * Connections are never kept: every query closes its socket and nothing lingers after the command.
 */
export class EngineAgent {
  readonly #contexts = new WeakMap<EngineTls, tls.SecureContext>()
  readonly #cas = new WeakMap<EngineTls, X509Certificate | Error>()

  /** The context for engineTls, built on first use; pass the same EngineTls object to every call to share it. */
  secureContextFor(engineTls: EngineTls): tls.SecureContext {
    let context = this.#contexts.get(engineTls)
    if (context === undefined) {
      context = engineSecureContext(engineTls)
      this.#contexts.set(engineTls, context)
    }
    return context
  }

  /** engineTls.ca parsed, on first use, for checking every engine's certificate against it. */
  caFor(engineTls: EngineTls): X509Certificate | Error {
    let ca = this.#cas.get(engineTls)
    if (ca === undefined) {
      ca = parseCa(engineTls.ca)
      this.#cas.set(engineTls, ca)
    }
    return ca
  }

  /** Nothing to release (no sockets are pooled); kept so callers can end an agent's use explicitly. */
  destroy(): void {}
}

export function createEngineAgent(): EngineAgent {
  return new EngineAgent()
}
