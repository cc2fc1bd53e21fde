import https from 'node:https'
import tls from 'node:tls'
import type {EngineTls} from './engine-tls.js'

/**
 * An agent for querying many engines at once (berth ls). No keep-alive: every query closes its socket and
 * nothing lingers after the command. TLS sessions are cached per engine, so repeated queries resume the
 * session instead of a full handshake. The TLS context built from an EngineTls is kept for as long as that
 * object lives: building one parses the CA, certificate and key, which costs milliseconds per query otherwise.
 */
export class EngineAgent extends https.Agent {
  readonly #contexts = new WeakMap<EngineTls, tls.SecureContext>()

  constructor(options: {maxCachedSessions?: number} = {}) {
    super({keepAlive: false, maxCachedSessions: options.maxCachedSessions ?? 1000})
  }

  /** The context for engineTls, built on first use; pass the same EngineTls object to every call to share it. */
  secureContextFor(engineTls: EngineTls): tls.SecureContext {
    let context = this.#contexts.get(engineTls)
    if (context === undefined) {
      context = tls.createSecureContext({ca: engineTls.ca, cert: engineTls.cert, key: engineTls.key})
      this.#contexts.set(engineTls, context)
    }
    return context
  }
}

export function createEngineAgent(options: {maxCachedSessions?: number} = {}): EngineAgent {
  return new EngineAgent(options)
}
