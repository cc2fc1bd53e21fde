import {X509Certificate} from 'node:crypto'
import type {EngineAddress} from './engine-url.js'

/** Extended key usages under which OpenSSL accepts a certificate for a TLS server. */
const SERVER_AUTH = '1.3.6.1.5.5.7.3.1'
const ANY_EXTENDED_KEY_USAGE = '2.5.29.37.0'

/**
 * Check the certificate a connected engine presented (socket.getPeerX509Certificate(), which hands it out only once), as OpenSSL would have with the store CA as the only
 * trust anchor: issued and signed by that CA, CA and certificate inside their validity periods, usable for a
 * TLS server, and naming the host we dialled in a SAN. berth's engines hold certificates the store CA issued
 * directly, so no intermediates are followed.
 *
 * berth checks this itself, rather than handing the CA to node, because any `ca` option makes node 20 load
 * its ~140 built-in root certificates first, the largest single cost of a first TLS connection. Callers must
 * call this once the handshake is done and before sending anything. Returns an error with the code OpenSSL
 * or node would have used (so classifyEngineFailure treats it alike), or undefined when the engine is trusted.
 */
export function verifyEnginePeer(cert: X509Certificate | undefined, address: EngineAddress, ca: X509Certificate, now: Date = new Date()): Error | undefined {
  if (cert === undefined) return failure('UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'the engine presented no certificate')
  if (!ca.ca || !cert.checkIssued(ca) || !cert.verify(ca.publicKey)) return failure('UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'unable to verify the first certificate')
  for (const checked of [ca, cert]) {
    if (now < new Date(checked.validFrom)) return failure('CERT_NOT_YET_VALID', 'certificate is not yet valid')
    if (now > new Date(checked.validTo)) return failure('CERT_HAS_EXPIRED', 'certificate has expired')
  }
  const usages = cert.keyUsage as string[] | undefined
  if (usages !== undefined && !usages.includes(SERVER_AUTH) && !usages.includes(ANY_EXTENDED_KEY_USAGE)) {
    return failure('INVALID_PURPOSE', 'unsupported certificate purpose')
  }
  return checkSansOnly(address, cert)
}

/** The store CA, parsed once per call site: parsing costs more than the whole verification. */
export function parseCa(caPem: string | Buffer): X509Certificate | Error {
  try {
    return new X509Certificate(caPem)
  } catch (error) {
    return failure('CERT_REJECTED', `the CA certificate is not readable (${error instanceof Error ? error.message : String(error)})`)
  }
}

/**
 * Like Go's crypto/x509, which the docker CLI uses: an IP address must be an IP SAN, a name a DNS SAN, and the
 * subject CN never counts (node's own check still accepts it when there is no DNS SAN).
 */
function checkSansOnly({host, isIp}: EngineAddress, cert: X509Certificate): Error | undefined {
  const covered = isIp ? cert.checkIP(host) : cert.checkHost(host, {subject: 'never'})
  if (covered !== undefined) return undefined
  const reason = `${isIp ? 'IP' : 'Host'}: ${host} is not in the cert's altnames: ${cert.subjectAltName ?? 'none'}`
  return Object.assign(new Error(`Hostname/IP does not match certificate's altnames: ${reason}`), {code: 'ERR_TLS_CERT_ALTNAME_INVALID', reason, host})
}

function failure(code: string, message: string): Error {
  return Object.assign(new Error(message), {code})
}
