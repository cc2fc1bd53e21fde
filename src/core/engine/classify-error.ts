import {EngineError, type EngineErrorReason} from './engine-error.js'

/** OpenSSL verification results that mean "not issued (validly) by the CA we trust". */
const UNTRUSTED_CODES = new Set([
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_SIGNATURE_FAILURE',
  'UNABLE_TO_DECRYPT_CERT_SIGNATURE',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'INVALID_CA',
  'INVALID_PURPOSE',
  'CERT_CHAIN_TOO_LONG',
  'PATH_LENGTH_EXCEEDED',
  'CERT_REVOKED',
])

const EXPIRY_CODES = new Set(['CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID'])

/** Failures to open a TCP connection at all. */
const NETWORK_CODES: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'connection refused',
  EHOSTUNREACH: 'no route to host',
  ENETUNREACH: 'network is unreachable',
  EHOSTDOWN: 'host is down',
  EADDRNOTAVAIL: 'address not available',
  ENOTFOUND: 'host name not found',
  EAI_AGAIN: 'host name lookup failed',
}

/** How a failure to open a TCP connection reads in a message ("no route to host"), for a node error code. */
export function describeNetworkCode(code: string | undefined): string | undefined {
  return code === undefined ? undefined : NETWORK_CODES[code]
}

/** What OpenSSL says when the peer does not speak TLS on this port (plain HTTP, ssh, ...). */
const NOT_TLS = /wrong version number|packet length too long|http request|unknown protocol/i

export type ConnectionPhase = 'connecting' | 'handshaking' | 'secured'

interface FailureContext {
  url: string
  /** How far the connection got before it failed: a reset means something else once TLS is up. */
  phase: ConnectionPhase
  hints?: Partial<Record<EngineErrorReason, string>> | undefined
}

/** Turn a socket, TLS or DNS error from node into an EngineError with a one-line message and a fix. */
export function classifyEngineFailure(error: unknown, context: FailureContext): EngineError {
  const {url} = context
  const code = (error as NodeJS.ErrnoException | undefined)?.code ?? ''
  const detail = describe(error)
  const make = (reason: EngineErrorReason, message: string, hint?: string): EngineError =>
    new EngineError(reason, url, message, {hint: context.hints?.[reason] ?? hint, cause: error})

  const network = NETWORK_CODES[code]
  if (network !== undefined) return make('unreachable', `Cannot connect to the Docker engine at ${url}: ${network}.`)
  if (UNTRUSTED_CODES.has(code)) {
    return make('untrusted', `The engine at ${url} presented a certificate that berth's CA did not issue (${detail}).`)
  }
  if (EXPIRY_CODES.has(code)) return make('untrusted', `The engine at ${url} presented a certificate that is not valid now (${detail}).`)
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    const reason = (error as {reason?: unknown}).reason
    return make('address-mismatch', `The engine at ${url} presented a certificate for another address (${typeof reason === 'string' ? reason : detail}).`)
  }
  if ((code === 'EPROTO' || code.startsWith('ERR_SSL_')) && NOT_TLS.test(detail)) {
    return make('tls', `The service at ${url} does not speak TLS (${detail}).`, 'Check the port: the Docker engine serves TLS on 2376; 2375 is plain HTTP, which berth does not use.')
  }
  if (code.startsWith('ERR_SSL_') && code.includes('ALERT')) {
    return make('tls', `The engine at ${url} refused berth's client certificate (${detail}).`)
  }
  if (context.phase === 'secured' && (code === 'ECONNRESET' || code === 'EPIPE')) {
    // Go's TLS 1.3 server checks the client certificate after our side of the handshake is done, and may just close.
    return make('tls', `The engine at ${url} closed the connection after the TLS handshake; it may not accept berth's client certificate (${detail}).`)
  }
  if (code === 'ECONNRESET' || code === 'EPIPE') return make('unreachable', `Cannot connect to the Docker engine at ${url}: the connection was reset (${detail}).`)
  if (code.startsWith('ERR_SSL_') || code.startsWith('ERR_TLS_') || code === 'EPROTO') {
    return make('tls', `The TLS connection to the engine at ${url} failed (${detail}).`)
  }
  return make('unreachable', `Cannot connect to the Docker engine at ${url}: ${detail}.`)
}

/**
 * A short, single-line description of a node error. OpenSSL errors arrive as
 * "write EPROTO 80...:error:0A00010B:SSL routines:ssl3_get_record:wrong version number:../deps/...:350:";
 * only the reason ("wrong version number") means anything to a user.
 */
function describe(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error)
  const openssl = /SSL routines:[^:]*:([^:]+):/.exec(message)
  if (openssl?.[1] !== undefined) return openssl[1]
  const reason = (error as {reason?: unknown} | undefined)?.reason
  if (typeof reason === 'string' && reason !== '') return reason
  return message.split('\n')[0]?.trim() ?? message
}
