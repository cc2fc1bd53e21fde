/**
 * Bench tool: a server certificate per engine, each for its own address, all from the store's CA. Real engines
 * each hold a certificate naming only their host; one certificate listing every address would make each client
 * handshake slower than real ones (Node turns the peer certificate into an object on every connection).
 *
 * The first is made by berth (issueServerCertificateFor). Making 199 more the same way costs a new RSA key each,
 * minutes on a busy 2-CPU machine, so the others share the first one's key and are signed by the store's CA with
 * the openssl CLI, in berth's profile (checked against the first).
 */
import {execFile} from 'node:child_process'
import {randomBytes, X509Certificate} from 'node:crypto'
import {readFile, writeFile} from 'node:fs/promises'
import {join} from 'node:path'
import {promisify} from 'node:util'
import {issueServerCertificateFor, type CertificatePaths} from '../src/core/certs/store-certificates.js'
import {VALIDITY_DAYS} from '../src/core/certs/authority.js'

const run = promisify(execFile)
const CONCURRENCY = 4
const ORGANIZATION = 'bench.engine'

export interface EngineIdentity {
  address: string
  certPem: string
  keyPem: string
}

export async function issueEngineCertificates(paths: CertificatePaths, addresses: readonly string[], dir: string): Promise<EngineIdentity[]> {
  const first = await issueServerCertificateFor(paths, {organization: ORGANIZATION, sans: [addresses[0]!]})
  const key = join(dir, 'engine-key.pem')
  const request = join(dir, 'engine.csr')
  await writeFile(key, first.keyPem, {mode: 0o600})
  await openssl(['req', '-new', '-key', key, '-subj', `/O=${ORGANIZATION}`, '-out', request])

  const issue = async (address: string, index: number): Promise<EngineIdentity> => {
    const extensions = join(dir, `engine-${index}.cnf`)
    const cert = join(dir, `engine-${index}.pem`)
    await writeFile(extensions, [
      'keyUsage=critical,digitalSignature,keyEncipherment,keyAgreement',
      'extendedKeyUsage=serverAuth',
      'basicConstraints=critical,CA:FALSE',
      `subjectAltName=IP:${address}`,
      'authorityKeyIdentifier=keyid',
      'subjectKeyIdentifier=none',
      '',
    ].join('\n'))
    await openssl([
      'x509', '-req', '-in', request, '-CA', paths.caCert, '-CAkey', paths.caKey, '-set_serial', `0x${randomBytes(16).toString('hex')}`,
      '-sha256', '-days', String(VALIDITY_DAYS), '-extfile', extensions, '-out', cert,
    ])
    return {address, certPem: await readFile(cert, 'utf8'), keyPem: first.keyPem}
  }
  const rest = addresses.slice(1).map((address, index) => ({address, index: index + 2}))
  const issued: EngineIdentity[] = []
  await Promise.all(Array.from({length: CONCURRENCY}, async () => {
    for (let next = rest.shift(); next !== undefined; next = rest.shift()) issued.push(await issue(next.address, next.index))
  }))
  const engines = [{address: addresses[0]!, ...first}, ...addresses.slice(1).map((address) => issued.find((item) => item.address === address)!)]
  if (engines.length > 1) sameProfile(engines[0]!, engines[1]!)
  return engines
}

/** Throws unless the openssl-signed certificate looks to a client like the one berth made. */
function sameProfile(berths: EngineIdentity, ours: EngineIdentity): void {
  const describe = ({certPem, address}: EngineIdentity): unknown => {
    const cert = new X509Certificate(certPem)
    const legacy = cert.toLegacyObject()
    return {
      issuer: cert.issuer,
      subject: cert.subject,
      ca: cert.ca,
      sans: cert.subjectAltName?.replace(address, '<address>'),
      extKeyUsage: cert.keyUsage,
      bits: legacy.bits,
      size: Math.round(cert.raw.length / 32),
      days: Math.round((Date.parse(cert.validTo) - Date.parse(cert.validFrom)) / 86_400_000),
    }
  }
  const [a, b] = [JSON.stringify(describe(berths)), JSON.stringify(describe(ours))]
  if (a !== b) throw new Error(`the engine certificates signed with openssl differ from berth's:\n${a}\n${b}`)
}

async function openssl(args: string[]): Promise<void> {
  try {
    await run('openssl', args, {encoding: 'utf8'})
  } catch (error) {
    throw new Error(`openssl ${args[0]} failed: ${(error as {stderr?: string}).stderr?.trim() ?? String(error)}`, {cause: error})
  }
}
