// The store's CA and client certificate: made on first use, replaced when expired, copied into each machine.
import {X509Certificate} from 'node:crypto'
import {access, constants, readFile, stat} from 'node:fs/promises'
import {join, resolve} from 'node:path'
import {BerthError} from '../errors.js'
import {run} from '../fix.js'
import {diagnosePath, errorCode} from '../path-problem.js'
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

interface EnsureOptions {
  signal?: AbortSignal | undefined
  /** Called after each certificate is written, for progress output. */
  onCreate?: ((what: 'CA' | 'client certificate', path: string) => void) | undefined
  /** The CA's O=; the client certificate gets `<organization>.client`. Default: $USER, else 'berth'. */
  organization?: string | undefined
}

type Plan = 'keep' | 'create'
type CertificateFile = keyof CertificatePaths

/** What each file is, and the global flag that names it instead of the store's own. */
const FILES: Readonly<Record<CertificateFile, {what: string; flag: string; usualName: string}>> = {
  caCert: {what: 'CA certificate', flag: '--tls-ca-cert', usualName: 'ca.pem'},
  caKey: {what: 'CA key', flag: '--tls-ca-key', usualName: 'ca-key.pem'},
  clientCert: {what: 'client certificate', flag: '--tls-client-cert', usualName: 'cert.pem'},
  clientKey: {what: 'client key', flag: '--tls-client-key', usualName: 'key.pem'},
}

export function defaultCertificatePaths(layout: StoreLayout): CertificatePaths {
  return {caCert: layout.caCert, caKey: layout.caKey, clientCert: layout.clientCert, clientKey: layout.clientKey}
}

/** The four files of a CA directory (the store's certs/, or an imported CA's). */
export function certificatePathsIn(dir: string): CertificatePaths {
  return {caCert: join(dir, 'ca.pem'), caKey: join(dir, 'ca-key.pem'), clientCert: join(dir, 'cert.pem'), clientKey: join(dir, 'key.pem')}
}

/**
 * The CA and client certificate a machine's engine trusts: those of the CA recorded with the machine (one imported
 * with it), else the store's (or those the global --tls-* flags name).
 */
export function machineCertificatePaths(layout: StoreLayout, auth: {ca?: string}, storePaths: CertificatePaths): CertificatePaths {
  return auth.ca === undefined ? storePaths : certificatePathsIn(layout.fromStored(auth.ca))
}

/**
 * Files the user named instead of the store's own (--tls-ca-cert and friends) must be there: each that is missing,
 * a directory or unreadable is refused with its flag, before anything is written. berth makes a CA only in the
 * store's certs/, never at a path typed by hand, where a typo would quietly start a new CA.
 */
export async function checkGivenCertificateFiles(layout: StoreLayout, paths: CertificatePaths): Promise<void> {
  const defaults = defaultCertificatePaths(layout)
  for (const file of Object.keys(FILES) as CertificateFile[]) {
    if (!samePath(paths[file], defaults[file])) await checkGivenFile(file, paths[file])
  }
}

async function checkGivenFile(file: CertificateFile, path: string): Promise<void> {
  const {what, flag, usualName} = FILES[file]
  try {
    if ((await stat(path)).isDirectory()) {
      throw new BerthError(`${flag} ${path} is a directory, not a file.`, {
        code: 'certificate-file-unusable',
        data: {flag, path, what, fault: 'directory', problem: 'is a directory, not a file', suggested: join(path, usualName)},
      })
    }
    await access(path, constants.R_OK)
  } catch (error) {
    if (error instanceof BerthError) throw error
    const found = await diagnosePath(path, error)
    const atFault = found.path === resolve(path) ? undefined : found.path
    const fault = found.code === 'ENOENT' ? 'missing' : found.code === 'EACCES' || found.code === 'EPERM' ? 'access' : 'other'
    throw new BerthError(`${flag} ${path}${atFault === undefined ? '' : `: ${atFault}`} ${found.problem}.`, {
      code: 'certificate-file-unusable',
      data: {flag, path, what, fault, problem: found.problem, ...(atFault === undefined ? {} : {atFault})},
      cause: error,
    })
  }
}

/**
 * Make sure the CA and the client certificate exist and are usable. Files in the store's own certs/ are made when
 * missing and replaced when expired (a new CA also means a new client certificate); files the user pointed at
 * elsewhere (--tls-ca-cert and friends) must exist and are used as they are. Concurrent callers, in this process or
 * others, make exactly one CA between them.
 */
export async function ensureStoreCertificates(layout: StoreLayout, paths: CertificatePaths, options: EnsureOptions = {}): Promise<void> {
  const defaults = defaultCertificatePaths(layout)
  const owned = {
    ca: samePath(paths.caCert, defaults.caCert) && samePath(paths.caKey, defaults.caKey),
    client: samePath(paths.clientCert, defaults.clientCert) && samePath(paths.clientKey, defaults.clientKey),
  }
  await checkGivenCertificateFiles(layout, paths)
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
  } catch (error) {
    // The store's own files may be in the middle of being replaced by another process: the same checks under the
    // lock decide. What is wrong with files the user gave is not going to change, and waits for no lock.
    if (owned.ca && owned.client) return false
    throw error
  }
}

async function planCa(paths: CertificatePaths, owned: boolean): Promise<Plan> {
  const [certPem, keyPem] = await Promise.all([readOptional(paths.caCert), readOptional(paths.caKey)])
  if (certPem === undefined) {
    if (!owned) throw new BerthError(`The CA key ${paths.caKey} has no certificate at ${paths.caCert}.`, {code: 'ca-certificate-missing', data: {caKey: paths.caKey, caCert: paths.caCert}})
    return 'create'
  }
  if (keyPem === undefined) {
    throw new BerthError(`The CA certificate ${paths.caCert} has no private key at ${paths.caKey}.`, {
      code: 'ca-key-missing',
      data: {caCert: paths.caCert, caKey: paths.caKey, owned},
      fixes: owned ? [run('regenerate-certs')] : [],
    })
  }
  const problems = checkCertificateValidity(certPem)
  const unreadable = problems.find((problem) => problem.kind === 'untrusted')
  if (unreadable !== undefined) throw new BerthError(`The CA certificate ${paths.caCert} is unusable: ${unreadable.reason}.`, {code: 'ca-certificate-unusable', data: {path: paths.caCert, reason: unreadable.reason}})
  await refuseOpenCaKey(paths.caKey)
  if (!keyMatchesCertificate(keyPem, certPem)) {
    throw new BerthError(`The CA key ${paths.caKey} does not belong to the CA certificate ${paths.caCert}.`, {code: 'ca-key-mismatch', data: {caKey: paths.caKey, caCert: paths.caCert}})
  }
  const expired = problems.find((problem) => problem.kind === 'expired')
  if (expired === undefined) return 'keep'
  if (owned) return 'create'
  const day = expired.notAfter.toISOString().slice(0, 10)
  throw new BerthError(`The CA certificate ${paths.caCert} expired on ${day}.`, {code: 'ca-expired', data: {path: paths.caCert, expired: day}})
}

async function planClient(paths: CertificatePaths, owned: boolean, caPem: string): Promise<Plan> {
  const [certPem, keyPem] = await Promise.all([readOptional(paths.clientCert), readOptional(paths.clientKey)])
  if (!owned) {
    if (certPem !== undefined && keyPem !== undefined) return 'keep'
    throw new BerthError(`The client certificate ${paths.clientCert} and its key ${paths.clientKey} must both exist.`, {
      code: 'client-certificate-incomplete',
      data: {certificate: paths.clientCert, key: paths.clientKey},
    })
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
  await refuseOpenCaKey(keyPath)
  return {certPem, keyPem}
}

/**
 * Whoever can read the CA key can issue certificates every machine's engine trusts, so a key that other users may
 * read is refused rather than used (as ssh refuses an open private key), and not silently chmodded either: the user
 * should know it was open. Windows has no such mode bits.
 */
async function refuseOpenCaKey(path: string): Promise<void> {
  if (process.platform === 'win32') return
  const mode = (await stat(path)).mode & 0o777
  if ((mode & 0o077) === 0) return
  const octal = mode.toString(8).padStart(4, '0')
  throw new BerthError(`The CA key ${path} is open to other users (mode ${octal}).`, {code: 'ca-key-open', data: {path, mode: octal}})
}

async function readRequired(path: string, what: string): Promise<string> {
  const text = await readOptional(path)
  if (text === undefined) throw new BerthError(`The ${what} ${path} does not exist.`, {code: 'store-certificate-missing', data: {path, what}, fixes: [run('create')]})
  return text
}

async function readOptional(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8')
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return undefined
    const found = await diagnosePath(path, error)
    throw new BerthError(`Cannot read ${path}: ${found.path} ${found.problem}.`, {code: 'certificate-unreadable', data: {path, atFault: found.path, problem: found.problem}, cause: error})
  }
}

function samePath(a: string, b: string): boolean {
  return resolve(a) === resolve(b)
}
