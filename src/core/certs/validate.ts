// Certificate checks for the start-up path of `berth env` and `config`: node:crypto only, never node-forge.
import {X509Certificate, createPrivateKey, createPublicKey} from 'node:crypto'
import {isIP} from 'node:net'
import {errorMessage} from '../errors.js'
import {windowProblems, type CertificateProblem, type ValidityWindow} from './certificate-problems.js'

export {describeProblem, EXPIRY_WARNING_DAYS, type CertificateProblem} from './certificate-problems.js'

/** Whether the certificate is inside its validity period and not about to leave it. */
export function checkCertificateValidity(certPem: string, now: Date = new Date()): CertificateProblem[] {
  const cert = parse(certPem)
  return 'reason' in cert ? [cert] : validityProblems(cert, now)
}

/**
 * Everything that keeps the docker client from trusting the engine's certificate at `address` (an IP address
 * or a DNS name): not issued by the CA, outside its validity period, or not naming the address.
 * An empty list means the docker client will accept it. The CA's own validity is checkCertificateValidity's job.
 */
export function checkServerCertificate(options: {certPem: string; caPem: string; address: string; now?: Date}): CertificateProblem[] {
  const cert = parse(options.certPem)
  if ('reason' in cert) return [cert]
  const problems: CertificateProblem[] = []
  const ca = parse(options.caPem)
  if ('reason' in ca) {
    problems.push({kind: 'untrusted', reason: `the CA certificate ${ca.reason.replace(/^it /, '')}`})
  } else if (!isSignedBy(cert, ca)) {
    problems.push({kind: 'untrusted', reason: 'it was not signed by the CA in ca.pem'})
  }
  problems.push(...validityProblems(cert, options.now ?? new Date()))
  const address = options.address.replace(/^\[(.*)\]$/, '$1').replace(/%.*$/, '')
  // Like Go's crypto/x509, which the docker CLI uses: an address must be an IP SAN, a name a DNS SAN (never the CN).
  const covered = isIP(address) === 0 ? cert.checkHost(address, {subject: 'never'}) : cert.checkIP(address)
  if (covered === undefined) problems.push({kind: 'address-not-covered', address: options.address, covered: subjectAltNames(cert)})
  return problems
}

/** Whether the certificate names `ca` as its issuer and carries a valid signature by it. */
export function isSignedBy(cert: X509Certificate, ca: X509Certificate): boolean {
  return cert.checkIssued(ca) && cert.verify(ca.publicKey)
}

/** Whether the private key belongs to the certificate (so a half-replaced pair is caught). */
export function keyMatchesCertificate(keyPem: string, certPem: string): boolean {
  try {
    const fromKey = createPublicKey(createPrivateKey(keyPem)).export({type: 'spki', format: 'der'})
    const fromCert = new X509Certificate(certPem).publicKey.export({type: 'spki', format: 'der'})
    return fromKey.equals(fromCert)
  } catch {
    return false
  }
}

function parse(pem: string): X509Certificate | {kind: 'untrusted'; reason: string} {
  try {
    return new X509Certificate(pem)
  } catch (error) {
    return {kind: 'untrusted', reason: `it is not a readable PEM certificate (${errorMessage(error)})`}
  }
}

function validityProblems(cert: X509Certificate, now: Date): CertificateProblem[] {
  return windowProblems(validityWindow(cert), now)
}

/** The certificate's validity period, to remember it (see certificate-memo.ts). */
function validityWindow(cert: X509Certificate): ValidityWindow {
  return {notBefore: new Date(cert.validFrom).toISOString(), notAfter: new Date(cert.validTo).toISOString()}
}

/** The validity period of a PEM certificate, or why it cannot be read. */
export function certificateWindow(pem: string): ValidityWindow | {kind: 'untrusted'; reason: string} {
  const cert = parse(pem)
  return 'reason' in cert ? cert : validityWindow(cert)
}

/** The SAN values as a list, for messages: "DNS:localhost, IP Address:10.0.0.4" -> ["localhost", "10.0.0.4"]. */
function subjectAltNames(cert: X509Certificate): string[] {
  const text = cert.subjectAltName
  if (text === undefined) return []
  return text.split(', ').map((entry) => entry.replace(/^[^:]*:/, '').replace(/^"(.*)"$/, '$1'))
}
