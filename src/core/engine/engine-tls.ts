import tls from 'node:tls'
import type {EngineAddress} from './engine-url.js'

/** PEM contents of the CA that must have issued the engine's certificate, and of our client certificate and key. */
export interface EngineTls {
  ca: string | Buffer
  cert: string | Buffer
  key: string | Buffer
}

/**
 * The TLS context for an engine: our client certificate and key, and deliberately no trusted CA. An empty `ca`
 * keeps node from loading its built-in root certificates (tens of milliseconds); the engine's certificate is
 * then checked against engineTls.ca by verifyEnginePeer before any request byte is sent.
 */
export function engineSecureContext(engineTls: EngineTls): tls.SecureContext {
  return tls.createSecureContext({ca: [], cert: engineTls.cert, key: engineTls.key})
}

/** Connection options for one engine; a prebuilt context (from an EngineAgent) saves parsing the PEMs again. */
export function tlsConnectionOptions(address: EngineAddress, engineTls: EngineTls, secureContext?: tls.SecureContext): tls.ConnectionOptions {
  return {
    secureContext: secureContext ?? engineSecureContext(engineTls),
    // OpenSSL cannot verify without a CA; verifyEnginePeer does, once the handshake is done.
    rejectUnauthorized: false,
    // SNI must carry a host name, never an IP literal (RFC 6066).
    ...(address.isIp ? {} : {servername: address.host}),
  }
}
