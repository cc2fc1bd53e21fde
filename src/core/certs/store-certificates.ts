// The store's CA and client certificate: made on first use, replaced when expired, copied into each machine.
import {X509Certificate} from 'node:crypto'
import {readFile} from 'node:fs/promises'
import {resolve} from 'node:path'
import {BerthError} from '../errors.js'
import {writeFileAtomic} from '../store/files.js'
import type {MachineLayout, StoreLayout} from '../store/layout.js'
import {withLock} from '../store/lock.js'
// Types only: node-forge (through authority.js) loads when a certificate is actually made.
import type {CertificateAndKey} from './authority.js'
import {checkCertificateValidity, isSignedBy, keyMatchesCertificate} from './validate.js'

export interface CertificatePaths {
  caCert: string
  caKey: string
  clientCert: string
  clientKey: string
}

export interface EnsureOptions {
  signal?: AbortSignal | undefined
  /** Called after each certificate is written, for progress output. */
  onCreate?: ((what: 'CA' | 'client certificate', path: string) => void) | undefined
  /** The CA's O=; the client certificate gets `<organization>.client`. Default: $USER, else 'berth'. */
  organization?: string | undefined
}

type Plan = 'keep' | 'create'

export function defaultCertificatePaths(layout: StoreLayout): CertificatePaths {
  return {caCert: layout.caCert, caKey: layout.caKey, clientCert: layout.clientCert, clientKey: layout.clientKey}
}

/**
 * Make sure the CA and the client certificate exist and are usable. Files in the store's own certs/ are made when
 * missing and replaced when expired (a new CA also means a new client certificate); files the user pointed at
 * elsewhere (--tls-ca-cert and friends) are used as they are and only made when absent. Concurrent callers, in
 * this process or others, make exactly one CA between them.
 */
export async function ensureStoreCertificates(layout: StoreLayout, paths: CertificatePaths, options: EnsureOptions = {}): Promise<void> {
  const defaults = defaultCertificatePaths(layout)
  const owned = {
    ca: samePath(paths.caCert, defaults.caCert) && samePath(paths.caKey, defaults.caKey),
    client: samePath(paths.clientCert, defaults.clientCert) && samePath(paths.clientKey, defaults.clientKey),
  }
  // Checked once without the lock, so the common case (all in place) never writes a lock file.
  if (await isSettled(paths, owned)) return
  await withLock(layout.certsLock, async () => {
    const organization = options.organization ?? (process.env.USER || 'berth')
    const caPlan = await planCa(paths, owned.ca)
    let ca: CertificateAndKey
    if (caPlan === 'create') {
      options.signal?.throwIfAborted()
      const {createCertificateAuthority} = await import('./authority.js')
      ca = await createCertificateAuthority({organization})
      await writePair(paths.caCert, paths.caKey, ca)
      options.onCreate?.('CA', paths.caCert)
    } else {
      ca = await readPair(paths.caCert, paths.caKey)
    }
    if (await planClient(paths, owned.client, ca.certPem) === 'create') {
      options.signal?.throwIfAborted()
      const {issueClientCertificate} = await import('./authority.js')
      await writePair(paths.clientCert, paths.clientKey, await issueClientCertificate(ca, {organization: `${organization}.client`}))
      options.onCreate?.('client certificate', paths.clientCert)
    }
  }, options.signal === undefined ? {} : {signal: options.signal})
}

/** Copy the CA and the client certificate and key into the machine's directory, the DOCKER_CERT_PATH of the machine. */
export async function installClientCertificates(paths: CertificatePaths, machine: MachineLayout): Promise<void> {
  const copies: Array<[from: string, to: string]> = [
    [paths.caCert, machine.caCert],
    [paths.clientCert, machine.clientCert],
    [paths.clientKey, machine.clientKey],
  ]
  for (const [from, to] of copies) await writeFileAtomic(to, await readRequired(from, 'certificate file'))
}

/** A server certificate for one machine, signed by the CA on disk. */
export async function issueServerCertificateFor(paths: CertificatePaths, request: {organization: string; sans: readonly string[]}): Promise<CertificateAndKey> {
  const ca = await readPair(paths.caCert, paths.caKey)
  const {issueServerCertificate} = await import('./authority.js')
  return issueServerCertificate(ca, request)
}

async function isSettled(paths: CertificatePaths, owned: {ca: boolean; client: boolean}): Promise<boolean> {
  try {
    if (await planCa(paths, owned.ca) !== 'keep') return false
    return await planClient(paths, owned.client, await readFile(paths.caCert, 'utf8')) === 'keep'
  } catch {
    // Whatever is wrong is reported by the same checks under the lock.
    return false
  }
}

async function planCa(paths: CertificatePaths, owned: boolean): Promise<Plan> {
  const [certPem, keyPem] = await Promise.all([readOptional(paths.caCert), readOptional(paths.caKey)])
  if (certPem === undefined) {
    if (keyPem !== undefined && !owned) {
      throw new BerthError(`The CA key ${paths.caKey} exists but its certificate ${paths.caCert} does not.`, {
        hint: 'Give the CA certificate that belongs to this key, or point --tls-ca-key at a path that does not exist yet.',
      })
    }
    return 'create'
  }
  if (keyPem === undefined) {
    throw new BerthError(`The CA certificate ${paths.caCert} has no private key at ${paths.caKey}.`, {
      hint: owned
        ? `Restore ${paths.caKey}, or remove ${paths.caCert} so that berth makes a new CA (existing machines then need "berth regenerate-certs").`
        : 'Give the CA key with --tls-ca-key.',
    })
  }
  const problems = checkCertificateValidity(certPem)
  const unreadable = problems.find((problem) => problem.kind === 'untrusted')
  if (unreadable !== undefined) throw new BerthError(`The CA certificate ${paths.caCert} is unusable: ${unreadable.reason}.`)
  if (!keyMatchesCertificate(keyPem, certPem)) {
    throw new BerthError(`The CA key ${paths.caKey} does not belong to the CA certificate ${paths.caCert}.`)
  }
  const expired = problems.find((problem) => problem.kind === 'expired')
  if (expired === undefined) return 'keep'
  if (owned) return 'create'
  throw new BerthError(`The CA certificate ${paths.caCert} expired on ${expired.notAfter.toISOString().slice(0, 10)}.`, {
    hint: 'Renew it, or leave out --tls-ca-cert and --tls-ca-key to use the store\'s own CA.',
  })
}

async function planClient(paths: CertificatePaths, owned: boolean, caPem: string): Promise<Plan> {
  const [certPem, keyPem] = await Promise.all([readOptional(paths.clientCert), readOptional(paths.clientKey)])
  if (!owned) {
    if (certPem !== undefined && keyPem !== undefined) return 'keep'
    if (certPem === undefined && keyPem === undefined) return 'create'
    throw new BerthError(`The client certificate ${paths.clientCert} and key ${paths.clientKey} must both exist, or neither.`)
  }
  if (certPem === undefined || keyPem === undefined || !keyMatchesCertificate(keyPem, certPem)) return 'create'
  if (checkCertificateValidity(certPem).some((problem) => problem.kind === 'expired')) return 'create'
  return isSignedBy(new X509Certificate(certPem), new X509Certificate(caPem)) ? 'keep' : 'create'
}

/** The key goes first: a crash in between leaves a pair that fails the key check and is made again. */
async function writePair(certPath: string, keyPath: string, pair: CertificateAndKey): Promise<void> {
  await writeFileAtomic(keyPath, pair.keyPem)
  await writeFileAtomic(certPath, pair.certPem)
}

async function readPair(certPath: string, keyPath: string): Promise<CertificateAndKey> {
  const [certPem, keyPem] = await Promise.all([readRequired(certPath, 'CA certificate'), readRequired(keyPath, 'CA key')])
  return {certPem, keyPem}
}

async function readRequired(path: string, what: string): Promise<string> {
  const text = await readOptional(path)
  if (text === undefined) throw new BerthError(`The ${what} ${path} does not exist.`, {hint: 'Run "berth create" once to make the store\'s certificates.'})
  return text
}

async function readOptional(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw new BerthError(`Cannot read ${path}: ${(error as Error).message}`, {cause: error})
  }
}

function samePath(a: string, b: string): boolean {
  return resolve(a) === resolve(b)
}
