// Building the CA, client and server certificates: Docker Machine's profile (libmachine/cert), with node-forge
// for the X.509 structure and signature and Node's native generator for the RSA keys (forge's own is 10x slower).
import {X509Certificate, createPrivateKey, generateKeyPair, randomBytes} from 'node:crypto'
import {promisify} from 'node:util'
import forge from 'node-forge'
import {BerthError} from '../errors.js'
import {parseSubjectAltNames} from './subject-alt-names.js'
import {keyMatchesCertificate} from './validate.js'

export interface CertificateAndKey {
  certPem: string
  /** PKCS#1 PEM ("RSA PRIVATE KEY"), as Docker Machine writes it. */
  keyPem: string
}

interface CertificateRequest {
  /** The subject's O=; Docker Machine uses $USER for the CA, $USER.<machine> for a server. */
  organization: string
  /** The clock, for tests; validity starts 5 minutes before it, truncated to the minute. */
  now?: Date
}

/** Docker Machine's lifetime for every certificate it makes. */
export const VALIDITY_DAYS = 1080

const DAY_MS = 24 * 60 * 60 * 1000
const MINUTE_MS = 60 * 1000
/** Backdating absorbs clock skew between this computer and a freshly booted host. */
const BACKDATE_MS = 5 * MINUTE_MS

const SHA256_WITH_RSA = '1.2.840.113549.1.1.11'
const ORGANIZATION_NAME = '2.5.4.10'

const generateKeyPairAsync = promisify(generateKeyPair)

/** A signing identity: the CA's key, its subject exactly as encoded, and its key identifier for the AKI. */
interface Issuer {
  key: forge.pki.rsa.PrivateKey
  subject: forge.asn1.Asn1 | undefined
  keyId: string | undefined
}

export async function createCertificateAuthority(request: CertificateRequest): Promise<CertificateAndKey> {
  const keyPem = await newKeyPem()
  const key = forge.pki.privateKeyFromPem(keyPem)
  const certPem = buildCertificate(request, key, [
    {name: 'keyUsage', critical: true, digitalSignature: true, keyEncipherment: true, keyAgreement: true, keyCertSign: true},
    {name: 'basicConstraints', critical: true, cA: true},
    {name: 'subjectKeyIdentifier'},
  ], {key, subject: undefined, keyId: undefined})
  return {certPem, keyPem}
}

export async function issueClientCertificate(ca: CertificateAndKey, request: CertificateRequest): Promise<CertificateAndKey> {
  const issuer = loadIssuer(ca)
  return issue(issuer, request, [
    {name: 'keyUsage', critical: true, digitalSignature: true},
    {name: 'extKeyUsage', clientAuth: true},
    {name: 'basicConstraints', critical: true, cA: false},
  ])
}

/** `sans`: strings that parse as IPv4/IPv6 addresses become IP SANs, the others DNS SANs; duplicates are dropped. */
export async function issueServerCertificate(ca: CertificateAndKey, request: CertificateRequest & {sans: readonly string[]}): Promise<CertificateAndKey> {
  const issuer = loadIssuer(ca)
  const altNames = parseSubjectAltNames(request.sans).map((san) =>
    san.type === 'ip' ? {type: 7, value: san.bytes.toString('binary')} : {type: 2, value: san.name})
  return issue(issuer, request, [
    {name: 'keyUsage', critical: true, digitalSignature: true, keyEncipherment: true, keyAgreement: true},
    {name: 'extKeyUsage', serverAuth: true},
    {name: 'basicConstraints', critical: true, cA: false},
    ...(altNames.length > 0 ? [{name: 'subjectAltName', altNames}] : []),
  ])
}

/**
 * A serial number as forge wants it (the hex of the DER INTEGER's content): the random bytes read as an
 * unsigned number, minimally encoded, with a 00 byte in front when the top bit is set so that it stays positive.
 */
export function serialNumberHex(random: Uint8Array): string {
  const hex = Buffer.from(random).toString('hex').replace(/^(00)+/, '') || '01'
  return Number.parseInt(hex.slice(0, 2), 16) >= 0x80 ? `00${hex}` : hex
}

async function issue(issuer: Issuer, request: CertificateRequest, extensions: object[]): Promise<CertificateAndKey> {
  const keyPem = await newKeyPem()
  const key = forge.pki.privateKeyFromPem(keyPem)
  const withAki = issuer.keyId === undefined ? extensions : [...extensions, {name: 'authorityKeyIdentifier', keyIdentifier: issuer.keyId}]
  return {certPem: buildCertificate(request, key, withAki, issuer), keyPem}
}

async function newKeyPem(): Promise<string> {
  const {privateKey} = await generateKeyPairAsync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: {type: 'pkcs1', format: 'pem'},
    privateKeyEncoding: {type: 'pkcs1', format: 'pem'},
  })
  return privateKey
}

function buildCertificate(request: CertificateRequest, subjectKey: forge.pki.rsa.PrivateKey, extensions: object[], issuer: Issuer): string {
  const cert = forge.pki.createCertificate()
  cert.publicKey = forge.pki.setRsaPublicKey(subjectKey.n, subjectKey.e)
  cert.serialNumber = serialNumberHex(randomBytes(16))
  const notBefore = validityStart(request.now ?? new Date())
  cert.validity.notBefore = notBefore
  cert.validity.notAfter = new Date(notBefore.getTime() + VALIDITY_DAYS * DAY_MS)
  const name = [organizationName(request.organization)]
  cert.setSubject(name)
  cert.setIssuer(name)
  cert.setExtensions(extensions)
  cert.siginfo.algorithmOid = SHA256_WITH_RSA
  cert.signatureOid = SHA256_WITH_RSA
  // Signed by hand rather than with cert.sign() so the issuer can be the CA's subject byte for byte:
  // Go matches a certificate to its issuer on the raw bytes, which forge's re-encoding may not reproduce.
  const tbs = getTbsCertificate(cert)
  if (issuer.subject !== undefined) tbsFields(tbs)[3] = issuer.subject
  const digest = forge.md.sha256.create()
  digest.update(forge.asn1.toDer(tbs).getBytes())
  cert.tbsCertificate = tbs
  cert.signature = issuer.key.sign(digest)
  return forge.pki.certificateToPem(cert)
}

/** Now, truncated to the minute, minus five minutes (Docker Machine's NotBefore). */
function validityStart(now: Date): Date {
  return new Date(Math.floor(now.getTime() / MINUTE_MS) * MINUTE_MS - BACKDATE_MS)
}

/** O=value as Go encodes it: a PrintableString when the characters allow, else UTF8String. */
function organizationName(value: string): forge.pki.CertificateField {
  const printable = /^[A-Za-z0-9 '()+,\-./:=?]*$/.test(value)
  // A universal tag number (asn1.Type), which @types/node-forge mistypes as asn1.Class.
  const tag: number = printable ? forge.asn1.Type.PRINTABLESTRING : forge.asn1.Type.UTF8
  return {type: ORGANIZATION_NAME, value, valueTagClass: tag}
}

/** Check a CA pair before signing with it, with messages that name the problem rather than forge's internals. */
function loadIssuer(ca: CertificateAndKey): Issuer {
  let x509: X509Certificate
  try {
    x509 = new X509Certificate(ca.certPem)
  } catch (error) {
    throw new BerthError('The CA certificate is not a readable PEM certificate.', {code: 'ca-invalid', data: {problem: 'unreadable-certificate'}, cause: error})
  }
  const subject = x509.subject.replaceAll('\n', ', ')
  if (!x509.ca) throw new BerthError(`The CA certificate (${subject}) is not a CA: its basic constraints do not allow signing certificates.`, {code: 'ca-invalid', data: {problem: 'not-a-ca', subject}})
  let keyType: string | undefined
  try {
    keyType = createPrivateKey(ca.keyPem).asymmetricKeyType
  } catch (error) {
    throw new BerthError('The CA key is not a readable, unencrypted PEM private key.', {code: 'ca-invalid', data: {problem: 'unreadable-key'}, cause: error})
  }
  if (keyType !== 'rsa') throw new BerthError(`The CA key is of type ${keyType ?? 'unknown'}; berth can sign only with an RSA CA key.`, {code: 'ca-invalid', data: {problem: 'not-rsa', keyType: keyType ?? 'unknown'}})
  if (!keyMatchesCertificate(ca.keyPem, ca.certPem)) throw new BerthError('The CA key does not belong to the CA certificate.', {code: 'ca-key-mismatch', data: {}})
  // The first certificate of the file, as X509Certificate read it (a ca.pem may be a bundle).
  const block = forge.pem.decode(ca.certPem).find((message) => /^(X509 )?CERTIFICATE$/.test(message.type))
  if (block === undefined) throw new BerthError('The CA certificate is not a readable PEM certificate.', {code: 'ca-invalid', data: {problem: 'unreadable-certificate'}})
  const certAsn1 = forge.asn1.fromDer(block.body)
  const forgeCert = forge.pki.certificateFromAsn1(certAsn1)
  const ski: {subjectKeyIdentifier?: string} | undefined = forgeCert.getExtension('subjectKeyIdentifier')
  const keyId = ski?.subjectKeyIdentifier === undefined
    ? forge.pki.getPublicKeyFingerprint(forgeCert.publicKey, {type: 'RSAPublicKey', encoding: 'binary'})
    : forge.util.hexToBytes(ski.subjectKeyIdentifier)
  const tbs = tbsFields(certAsn1)[0]
  if (tbs === undefined) throw new BerthError('The CA certificate is malformed.', {code: 'ca-invalid', data: {problem: 'malformed'}})
  return {key: forge.pki.privateKeyFromPem(ca.keyPem), subject: tbsSubject(tbs), keyId}
}

/** The subject of a parsed TBSCertificate: after the optional [0] version, serial, signature, issuer, validity. */
function tbsSubject(tbs: forge.asn1.Asn1): forge.asn1.Asn1 {
  const fields = tbsFields(tbs)
  const hasVersion = fields[0]?.tagClass === forge.asn1.Class.CONTEXT_SPECIFIC
  const subject = fields[hasVersion ? 5 : 4]
  if (subject === undefined) throw new BerthError('The CA certificate is malformed: it has no subject.', {code: 'ca-invalid', data: {problem: 'no-subject'}})
  return subject
}

function tbsFields(node: forge.asn1.Asn1): forge.asn1.Asn1[] {
  if (!Array.isArray(node.value)) throw new BerthError('The certificate is malformed.', {code: 'ca-invalid', data: {problem: 'malformed-part'}})
  return node.value
}

/** forge.pki.getTBSCertificate exists at run time (cert.sign uses it) but is missing from @types/node-forge. */
function getTbsCertificate(cert: forge.pki.Certificate): forge.asn1.Asn1 {
  const pki = forge.pki as unknown as {getTBSCertificate(cert: forge.pki.Certificate): forge.asn1.Asn1}
  return pki.getTBSCertificate(cert)
}
