import {readFile} from 'node:fs/promises'
import {dirname, join, resolve} from 'node:path'
import {fileURLToPath} from 'node:url'
import {beforeAll, describe, expect, it} from 'vitest'
import {createCertificateAuthority, issueServerCertificate, type CertificateAndKey} from '../../../src/core/certs/authority.js'
import {checkCertificateValidity, checkServerCertificate, describeProblem, keyMatchesCertificate} from '../../../src/core/certs/validate.js'

const DAY_MS = 24 * 60 * 60 * 1000
const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../../..')

describe('certificate validation', () => {
  const made = new Date('2026-11-28T12:59:42Z')
  // Validity: 2026-11-28T12:54:00Z .. 2029-11-12T12:54:00Z
  const notAfter = new Date('2029-11-12T12:54:00Z')
  const inside = new Date('2027-06-01T00:00:00Z')
  let ca: CertificateAndKey
  let otherCa: CertificateAndKey
  let server: CertificateAndKey

  beforeAll(async () => {
    ;[ca, otherCa] = await Promise.all([
      createCertificateAuthority({organization: 'alice', now: made}),
      createCertificateAuthority({organization: 'alice', now: made}),
    ])
    server = await issueServerCertificate(ca, {organization: 'alice.m1', sans: ['10.0.0.4', 'localhost', '::1'], now: made})
  })

  it('finds nothing wrong with a fresh certificate at a covered address', () => {
    for (const address of ['10.0.0.4', 'localhost', 'LOCALHOST', '::1', '[::1]', '0:0:0:0:0:0:0:1']) {
      expect(checkServerCertificate({certPem: server.certPem, caPem: ca.certPem, address, now: inside})).toEqual([])
    }
  })

  it('reports an address the certificate does not cover, listing what it covers', () => {
    const problems = checkServerCertificate({certPem: server.certPem, caPem: ca.certPem, address: '10.0.0.5', now: inside})
    expect(problems).toEqual([{kind: 'address-not-covered', address: '10.0.0.5', covered: ['10.0.0.4', 'localhost', '0:0:0:0:0:0:0:1']}])
    expect(describeProblem(problems[0]!, 'm1')).toBe('the server certificate of "m1" does not cover the host\'s address 10.0.0.5 (it covers 10.0.0.4, localhost, 0:0:0:0:0:0:0:1)')
    expect(checkServerCertificate({certPem: server.certPem, caPem: ca.certPem, address: 'docker.example.test', now: inside}))
      .toMatchObject([{kind: 'address-not-covered', address: 'docker.example.test'}])
  })

  it('does not let a DNS name stand in for an IP SAN or the reverse', () => {
    expect(checkServerCertificate({certPem: server.certPem, caPem: ca.certPem, address: '127.0.0.1', now: inside}))
      .toMatchObject([{kind: 'address-not-covered'}])
  })

  it('reports a certificate from another CA as untrusted', () => {
    const problems = checkServerCertificate({certPem: server.certPem, caPem: otherCa.certPem, address: '10.0.0.4', now: inside})
    expect(problems).toEqual([{kind: 'untrusted', reason: 'it was not signed by the CA in ca.pem'}])
    expect(describeProblem(problems[0]!, 'm1')).toBe('the server certificate of "m1" is not trusted: it was not signed by the CA in ca.pem')
  })

  it('reports unreadable certificates as untrusted instead of throwing', () => {
    expect(checkServerCertificate({certPem: 'garbage', caPem: ca.certPem, address: '10.0.0.4'}))
      .toMatchObject([{kind: 'untrusted', reason: expect.stringMatching(/^it is not a readable PEM certificate/) as string}])
    expect(checkServerCertificate({certPem: server.certPem, caPem: '', address: '10.0.0.4', now: inside}))
      .toMatchObject([{kind: 'untrusted', reason: expect.stringMatching(/^the CA certificate is not a readable PEM certificate/) as string}])
  })

  it('reports expiry after notAfter', () => {
    const problems = checkServerCertificate({certPem: server.certPem, caPem: ca.certPem, address: '10.0.0.4', now: new Date(notAfter.getTime() + 1000)})
    expect(problems).toEqual([{kind: 'expired', notAfter}])
    expect(describeProblem(problems[0]!, 'm1')).toBe('the server certificate of "m1" expired on 2029-11-12')
  })

  it('warns 30 days ahead of expiry', () => {
    const problems = checkServerCertificate({certPem: server.certPem, caPem: ca.certPem, address: '10.0.0.4', now: new Date(notAfter.getTime() - 10 * DAY_MS)})
    expect(problems).toEqual([{kind: 'expiring', notAfter, days: 10}])
    expect(describeProblem(problems[0]!, 'm1')).toBe('the server certificate of "m1" expires in 10 days, on 2029-11-12')
    expect(checkCertificateValidity(server.certPem, new Date(notAfter.getTime() - 30 * DAY_MS))).toMatchObject([{kind: 'expiring', days: 30}])
    expect(checkCertificateValidity(server.certPem, new Date(notAfter.getTime() - 31 * DAY_MS))).toEqual([])
  })

  it('reports a certificate that is not valid yet (a clock set back)', () => {
    const problems = checkCertificateValidity(server.certPem, new Date('2026-11-28T12:50:00Z'))
    expect(problems).toEqual([{kind: 'not-yet-valid', notBefore: new Date('2026-11-28T12:54:00Z')}])
    expect(describeProblem(problems[0]!, 'm1', 'CA certificate')).toMatch(/^the CA certificate of "m1" is not valid before 2026-11-28T12:54:00.000Z/)
  })

  it('reports every problem at once', () => {
    const problems = checkServerCertificate({certPem: server.certPem, caPem: otherCa.certPem, address: '10.9.9.9', now: new Date('2031-01-01T00:00:00Z')})
    expect(problems.map((problem) => problem.kind)).toEqual(['untrusted', 'expired', 'address-not-covered'])
  })

  it('checks the CA and the client certificate on their own', () => {
    expect(checkCertificateValidity(ca.certPem, inside)).toEqual([])
    expect(checkCertificateValidity(ca.certPem, new Date('2030-01-01T00:00:00Z'))).toMatchObject([{kind: 'expired'}])
  })

  it('tells whether a key belongs to a certificate', () => {
    expect(keyMatchesCertificate(server.keyPem, server.certPem)).toBe(true)
    expect(keyMatchesCertificate(ca.keyPem, server.certPem)).toBe(false)
    expect(keyMatchesCertificate('not a key', server.certPem)).toBe(false)
  })

  it('stays off node-forge, which would slow down the start of `berth env`', async () => {
    const seen = new Set<string>()
    const external = new Set<string>()
    const visit = async (file: string): Promise<void> => {
      if (seen.has(file)) return
      seen.add(file)
      const source = await readFile(file, 'utf8')
      for (const match of source.matchAll(/^(?:import|export)\s(?!type\b)[^'"]*?from\s+'([^']+)'/gm)) {
        const specifier = match[1]!
        if (specifier.startsWith('.')) await visit(join(dirname(file), specifier.replace(/\.js$/, '.ts')))
        else external.add(specifier)
      }
    }
    await visit(join(repo, 'src/core/certs/validate.ts'))
    expect(seen.has(join(repo, 'src/core/errors.ts'))).toBe(true)
    expect(external.has('node:crypto')).toBe(true)
    expect([...external].filter((name) => !name.startsWith('node:'))).toEqual([])
  })
})
