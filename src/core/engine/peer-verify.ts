import {X509Certificate} from 'node:crypto'
import tls from 'node:tls'
import {isIP} from 'node:net'
import type {EngineAddress} from './engine-url.js'

/** Extended key usages under which OpenSSL accepts a certificate for a TLS server. */
const SERVER_AUTH = '1.3.6.1.5.5.7.3.1'
const ANY_EXTENDED_KEY_USAGE = '2.5.29.37.0'

/**
 * Check the certificate a connected engine presented, as OpenSSL would have with the store CA as the only
 * trust anchor: issued and signed by that CA, CA and certificate inside their validity periods, usable for a
 * TLS server, and naming the host we dialled in a SAN. berth's engines hold certificates the store CA issued
 * directly, so no intermediates are followed.
 *
 * berth checks this itself, rather than handing the CA to node, because any `ca` option makes node 20 load
 * its ~140 built-in root certificates first, the largest single cost of a first TLS connection. Callers must
 * call this once the handshake is done and before sending anything. Returns an error with the code OpenSSL
 * or node would have used (so classifyEngineFailure treats it alike), or undefined when the engine is trusted.
 */
export function verifyEnginePeer(socket: tls.TLSSocket, address: EngineAddress, caPem: string | Buffer, now: Date = new Date()): Error | undefined {
  const raw = socket.getPeerCertificate()
  if (raw.raw === undefined || raw.raw.length === 0) return failure('UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'the engine presented no certificate')
  let cert: X509Certificate
  let ca: X509Certificate
  try {
    cert = new X509Certificate(raw.raw)
    ca = new X509Certificate(caPem)
  } catch (error) {
    return failure('CERT_REJECTED', `unreadable certificate (${error instanceof Error ? error.message : String(error)})`)
  }
  if (!ca.ca || !cert.checkIssued(ca) || !cert.verify(ca.publicKey)) return failure('UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'unable to verify the first certificate')
  for (const checked of [ca, cert]) {
    if (now < new Date(checked.validFrom)) return failure('CERT_NOT_YET_VALID', 'certificate is not yet valid')
    if (now > new Date(checked.validTo)) return failure('CERT_HAS_EXPIRED', 'certificate has expired')
  }
  const usages = cert.keyUsage as string[] | undefined
  if (usages !== undefined && !usages.includes(SERVER_AUTH) && !usages.includes(ANY_EXTENDED_KEY_USAGE)) {
    return failure('INVALID_PURPOSE', 'unsupported certificate purpose')
  }
  return checkSansOnly(address.host, raw)
}

/**
 * Node still accepts a certificate's subject CN as its name when the certificate has no DNS SAN; the docker CLI
 * (Go) has not since Go 1.15. berth must not call an engine fine that `docker` then refuses.
 */
export function checkSansOnly(host: string, cert: tls.PeerCertificate): Error | undefined {
  const sans = cert.subjectaltname ?? ''
  if (isIP(host) === 0 && !/(^|, )DNS:/.test(sans)) {
    return Object.assign(new Error(`Hostname/IP does not match certificate's altnames: Host: ${host}. is not in the cert's altnames: ${sans || 'none'}`), {
      code: 'ERR_TLS_CERT_ALTNAME_INVALID',
      reason: `Host: ${host} is not in the cert's altnames: ${sans || 'none'}`,
      host,
      cert,
    })
  }
  return tls.checkServerIdentity(host, cert)
}

function failure(code: string, message: string): Error {
  return Object.assign(new Error(message), {code})
}
