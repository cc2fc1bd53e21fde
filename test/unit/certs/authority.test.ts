import {X509Certificate, createPrivateKey} from 'node:crypto'
import {readFile, writeFile} from 'node:fs/promises'
import {join} from 'node:path'
import forge from 'node-forge'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {
  VALIDITY_DAYS,
  createCertificateAuthority,
  issueClientCertificate,
  issueServerCertificate,
  serialNumberHex,
  type CertificateAndKey,
} from '../../../src/core/certs/authority.js'
import {BerthError} from '../../../src/core/errors.js'
import {openssl, opensslText, opensslVerify, tempDir} from './helpers.js'

const DAY_MS = 24 * 60 * 60 * 1000

describe('certificate authority', () => {
  let dir: {path: string; remove: () => Promise<void>}
  let ca: CertificateAndKey
  let client: CertificateAndKey
  let server: CertificateAndKey
  const now = new Date('2026-11-28T12:59:42.123Z')

  beforeAll(async () => {
    dir = await tempDir('authority')
    ca = await createCertificateAuthority({organization: 'alice', now})
    client = await issueClientCertificate(ca, {organization: 'alice.client', now})
    server = await issueServerCertificate(ca, {
      organization: 'alice.m1',
      sans: ['docker.example.test', '10.0.0.4', 'localhost', '10.0.0.4', 'LOCALHOST', '::1', '0:0:0:0:0:0:0:1', ' '],
      now,
    })
  })

  afterAll(async () => {
    await dir.remove()
  })

  it('makes certificates that openssl verifies strictly for their purpose', async () => {
    expect(await opensslVerify(dir.path, ca.certPem, server.certPem, 'sslserver')).toMatchObject({code: 0})
    expect(await opensslVerify(dir.path, ca.certPem, client.certPem, 'sslclient')).toMatchObject({code: 0})
    const misuse = await opensslVerify(dir.path, ca.certPem, client.certPem, 'sslserver')
    expect(misuse.code).not.toBe(0)
    expect(misuse.stdout + misuse.stderr).toContain('unsuitable certificate purpose')
  })

  it('writes PKCS#1 RSA-2048 keys that belong to their certificates', async () => {
    for (const pair of [ca, client, server]) {
      expect(pair.keyPem).toMatch(/^-----BEGIN RSA PRIVATE KEY-----\n/)
      const check = await openssl(['rsa', '-in', await keyFile(pair.keyPem), '-check', '-noout'])
      expect(check.stdout).toContain('RSA key ok')
      expect(new X509Certificate(pair.certPem).checkPrivateKey(createPrivateKey(pair.keyPem))).toBe(true)
    }
  })

  it('gives the CA Docker Machine\'s profile', async () => {
    const text = await opensslText(dir.path, ca.certPem)
    expect(text).toContain('Signature Algorithm: sha256WithRSAEncryption')
    expect(text).toContain('Public-Key: (2048 bit)')
    expect(text).toMatch(/Issuer: O = alice\n/)
    expect(text).toMatch(/Subject: O = alice\n/)
    expect(text).toMatch(/X509v3 Key Usage: critical\n\s+Digital Signature, Key Encipherment, Key Agreement, Certificate Sign\n/)
    expect(text).toMatch(/X509v3 Basic Constraints: critical\n\s+CA:TRUE\n/)
    expect(text).toContain('X509v3 Subject Key Identifier')
  })

  it('gives the client certificate Docker Machine\'s profile', async () => {
    const text = await opensslText(dir.path, client.certPem)
    expect(text).toMatch(/Subject: O = alice.client\n/)
    expect(text).toMatch(/X509v3 Key Usage: critical\n\s+Digital Signature\n/)
    expect(text).toMatch(/X509v3 Extended Key Usage: ?\n\s+TLS Web Client Authentication\n/)
    expect(text).toMatch(/X509v3 Basic Constraints: critical\n\s+CA:FALSE\n/)
    expect(text).not.toContain('Subject Alternative Name')
    expect(authorityKeyId(text)).toBe(subjectKeyId(await opensslText(dir.path, ca.certPem)))
  })

  it('gives the server certificate its SANs, deduplicated, and Docker Machine\'s profile', async () => {
    const text = await opensslText(dir.path, server.certPem)
    expect(text).toMatch(/Subject: O = alice.m1\n/)
    expect(text).toMatch(/X509v3 Key Usage: critical\n\s+Digital Signature, Key Encipherment, Key Agreement\n/)
    expect(text).toMatch(/X509v3 Extended Key Usage: ?\n\s+TLS Web Server Authentication\n/)
    expect(text).toMatch(/X509v3 Basic Constraints: critical\n\s+CA:FALSE\n/)
    expect(text).toMatch(/X509v3 Subject Alternative Name: ?\n\s+DNS:docker.example.test, IP Address:10.0.0.4, DNS:localhost, IP Address:0:0:0:0:0:0:0:1\n/)
    expect(authorityKeyId(text)).toBe(subjectKeyId(await opensslText(dir.path, ca.certPem)))
  })

  it('starts validity 5 minutes before the minute of creation and lasts 1080 days', () => {
    for (const pair of [ca, client, server]) {
      const cert = new X509Certificate(pair.certPem)
      const notBefore = new Date(cert.validFrom)
      expect(notBefore.toISOString()).toBe('2026-11-28T12:54:00.000Z')
      expect(new Date(cert.validTo).getTime() - notBefore.getTime()).toBe(VALIDITY_DAYS * DAY_MS)
    }
  })

  it('uses random positive serials below 2^128', () => {
    const serials = [ca, client, server].map((pair) => BigInt(`0x${new X509Certificate(pair.certPem).serialNumber}`))
    for (const serial of serials) {
      expect(serial > 0n && serial < 2n ** 128n).toBe(true)
    }
    expect(new Set(serials).size).toBe(3)
  })

  it('encodes serials as minimal positive DER integers', () => {
    expect(serialNumberHex(Buffer.from('7f0102', 'hex'))).toBe('7f0102')
    expect(serialNumberHex(Buffer.from('800102', 'hex'))).toBe('00800102')
    expect(serialNumberHex(Buffer.from('0000ff01', 'hex'))).toBe('00ff01')
    expect(serialNumberHex(Buffer.from('00007f', 'hex'))).toBe('7f')
    expect(serialNumberHex(Buffer.alloc(16))).toBe('01')
  })

  it('keeps an organization that is not a PrintableString readable (UTF8String)', async () => {
    const other = await createCertificateAuthority({organization: 'jörg_x'})
    expect(await opensslText(dir.path, other.certPem)).toMatch(/Subject: O = j\\C3\\B6rg_x\n|Subject: O = jörg_x\n/)
    expect(new X509Certificate(other.certPem).subject).toBe('O=jörg_x')
  })

  it('signs with a CA made elsewhere, naming it as issuer byte for byte', async () => {
    // A CA as a company might have, made by openssl: mixed string types and a multi-valued RDN, which
    // re-encoding the name from its parsed attributes would not reproduce.
    const caKey = join(dir.path, 'corp-ca-key.pem')
    const caCert = join(dir.path, 'corp-ca.pem')
    const made = await openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', caKey, '-out', caCert, '-days', '30',
      '-multivalue-rdn', '-subj', '/C=DE/O=Example Corp+OU=Platform/CN=Example Root CA', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'])
    expect(made.code).toBe(0)
    const corp = {certPem: await readFile(caCert, 'utf8'), keyPem: await readFile(caKey, 'utf8')}
    const issued = await issueServerCertificate(corp, {organization: 'alice.m2', sans: ['10.0.0.9']})
    expect(await opensslVerify(dir.path, corp.certPem, issued.certPem, 'sslserver')).toMatchObject({code: 0})
    expect(new X509Certificate(issued.certPem).raw.includes(rawSubject(corp.certPem))).toBe(true)
    // A ca.pem holding more than one certificate: the first is the issuer, as for node:crypto and openssl.
    const fromBundle = await issueClientCertificate({certPem: corp.certPem + ca.certPem, keyPem: corp.keyPem}, {organization: 'alice.client'})
    expect(await opensslVerify(dir.path, corp.certPem, fromBundle.certPem, 'sslclient')).toMatchObject({code: 0})
  })

  it('refuses CA material it cannot sign with, saying why', async () => {
    await expect(issueClientCertificate({certPem: ca.certPem, keyPem: client.keyPem}, {organization: 'x'}))
      .rejects.toThrow('The CA key does not belong to the CA certificate.')
    await expect(issueClientCertificate(client, {organization: 'x'})).rejects.toThrow(/is not a CA/)
    await expect(issueClientCertificate({certPem: 'nonsense', keyPem: ca.keyPem}, {organization: 'x'})).rejects.toBeInstanceOf(BerthError)
    const ecKey = join(dir.path, 'ec-key.pem')
    const ecCert = join(dir.path, 'ec-ca.pem')
    await openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', ecKey, '-out', ecCert, '-days', '1', '-subj', '/O=ec'])
    const ec = {certPem: await readFile(ecCert, 'utf8'), keyPem: await readFile(ecKey, 'utf8')}
    await expect(issueServerCertificate(ec, {organization: 'x', sans: []})).rejects.toThrow('The CA key is of type ec; berth can sign only with an RSA CA key.')
  })

  async function keyFile(pem: string): Promise<string> {
    const path = join(dir.path, `key-${Math.random().toString(36).slice(2)}.pem`)
    await writeFile(path, pem, {mode: 0o600})
    return path
  }
})

/** The DER of a certificate's subject Name: the sixth field of its TBSCertificate (after the [0] version). */
function rawSubject(pem: string): Buffer {
  const tbs = forge.asn1.fromDer(forge.pem.decode(pem)[0]!.body).value[0] as forge.asn1.Asn1
  const subject = (tbs.value as forge.asn1.Asn1[])[5]!
  return Buffer.from(forge.asn1.toDer(subject).getBytes(), 'binary')
}

function subjectKeyId(text: string): string | undefined {
  return /X509v3 Subject Key Identifier: ?\n\s+([0-9A-F:]+)/.exec(text)?.[1]
}

function authorityKeyId(text: string): string | undefined {
  return /X509v3 Authority Key Identifier: ?\n\s+(?:keyid:)?([0-9A-F:]+)/.exec(text)?.[1]
}
