import {execFile, execFileSync} from 'node:child_process'
import {X509Certificate} from 'node:crypto'
import {existsSync} from 'node:fs'
import {chmod, mkdir, readFile, readdir, rm, stat, writeFile} from 'node:fs/promises'
import {dirname, join, resolve} from 'node:path'
import {fileURLToPath, pathToFileURL} from 'node:url'
import {promisify} from 'node:util'
import {afterEach, beforeAll, beforeEach, describe, expect, it} from 'vitest'
import {createCertificateAuthority, issueClientCertificate} from '../../../src/core/certs/authority.js'
import {
  defaultCertificatePaths,
  ensureStoreCertificates,
  installClientCertificates,
  issueServerCertificateFor,
  type CertificatePaths,
} from '../../../src/core/certs/store-certificates.js'
import {wordError} from '../../../src/cli/error-wording.js'
import {BerthError} from '../../../src/core/errors.js'
import {StoreLayout} from '../../../src/core/store/layout.js'
import {snapshotTree} from '../../harness/tree-snapshot.js'
import {opensslVerify, tempDir} from './helpers.js'

const execFileAsync = promisify(execFile)
const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../../..')
const compiled = join(repo, 'dist/src/core/certs/store-certificates.js')

describe('store certificates', () => {
  let dir: {path: string; remove: () => Promise<void>}
  let layout: StoreLayout
  let paths: CertificatePaths
  let created: string[]
  const record = {onCreate: (what: string, path: string) => void created.push(`${what} ${path}`), organization: 'alice'}

  beforeEach(async () => {
    dir = await tempDir('store')
    layout = new StoreLayout(join(dir.path, 'store'))
    paths = defaultCertificatePaths(layout)
    created = []
  })

  afterEach(async () => {
    await dir.remove()
  })

  it('names the store\'s own files by default', () => {
    expect(paths).toEqual({caCert: layout.caCert, caKey: layout.caKey, clientCert: layout.clientCert, clientKey: layout.clientKey})
  })

  it('makes the CA and the client certificate in a new store, files 0600 and directories 0700', async () => {
    await ensureStoreCertificates(layout, paths, record)
    expect(created).toEqual([`CA ${layout.caCert}`, `client certificate ${layout.clientCert}`])
    expect(await modes(layout.root)).toEqual({
      '.': 0o700,
      'certs': 0o700,
      'certs/ca-key.pem': 0o600,
      'certs/ca.pem': 0o600,
      'certs/cert.pem': 0o600,
      'certs/key.pem': 0o600,
    })
    const ca = await readFile(layout.caCert, 'utf8')
    expect(new X509Certificate(ca).subject).toBe('O=alice')
    expect(new X509Certificate(await readFile(layout.clientCert, 'utf8')).subject).toBe('O=alice.client')
    expect(await opensslVerify(dir.path, ca, await readFile(layout.clientCert, 'utf8'), 'sslclient')).toMatchObject({code: 0})
  })

  it('changes nothing on a second call', async () => {
    await ensureStoreCertificates(layout, paths, record)
    const before = await snapshot(layout.certsDir)
    created = []
    await ensureStoreCertificates(layout, paths, record)
    expect(created).toEqual([])
    expect(await snapshot(layout.certsDir)).toEqual(before)
  })

  it('replaces an expired CA, its key too, and the client certificate it signed', async () => {
    const longAgo = new Date(Date.now() - 1200 * 24 * 60 * 60 * 1000)
    const oldCa = await createCertificateAuthority({organization: 'alice', now: longAgo})
    const oldClient = await issueClientCertificate(oldCa, {organization: 'alice.client', now: longAgo})
    await writeStore(paths, oldCa, oldClient)
    await ensureStoreCertificates(layout, paths, record)
    expect(created).toEqual([`CA ${layout.caCert}`, `client certificate ${layout.clientCert}`])
    const ca = await readFile(layout.caCert, 'utf8')
    expect(ca).not.toBe(oldCa.certPem)
    expect(await readFile(layout.caKey, 'utf8')).not.toBe(oldCa.keyPem)
    expect(await opensslVerify(dir.path, ca, await readFile(layout.clientCert, 'utf8'), 'sslclient')).toMatchObject({code: 0})
  })

  it('reissues a client certificate not signed by the current CA, or whose key does not match, keeping the CA', async () => {
    await ensureStoreCertificates(layout, paths, record)
    const ca = await readFile(layout.caCert, 'utf8')
    const stranger = await issueClientCertificate(await createCertificateAuthority({organization: 'mallory'}), {organization: 'mallory.client'})
    await writeFile(layout.clientCert, stranger.certPem)
    await writeFile(layout.clientKey, stranger.keyPem)
    created = []
    await ensureStoreCertificates(layout, paths, record)
    expect(created).toEqual([`client certificate ${layout.clientCert}`])
    expect(await readFile(layout.caCert, 'utf8')).toBe(ca)
    expect(await opensslVerify(dir.path, ca, await readFile(layout.clientCert, 'utf8'), 'sslclient')).toMatchObject({code: 0})

    // A crash between writing the key and the certificate leaves a pair that does not match.
    await writeFile(layout.clientKey, stranger.keyPem)
    created = []
    await ensureStoreCertificates(layout, paths, record)
    expect(created).toEqual([`client certificate ${layout.clientCert}`])
  })

  it('stops with a clear error when the CA certificate has no key, and touches nothing', async () => {
    await ensureStoreCertificates(layout, paths, record)
    await rm(layout.caKey)
    const before = await snapshot(layout.certsDir)
    const failure = ensureStoreCertificates(layout, paths, record)
    await expect(failure).rejects.toBeInstanceOf(BerthError)
    await expect(failure).rejects.toThrow(`The CA certificate ${layout.caCert} has no private key at ${layout.caKey}.`)
    expect(await snapshot(layout.certsDir)).toEqual(before)
  })

  it('uses certificates the user points at as they are', async () => {
    const own = join(dir.path, 'own')
    const ownCa = await createCertificateAuthority({organization: 'corp'})
    // A client certificate from elsewhere is the user's business: kept, not reissued.
    const stranger = await issueClientCertificate(await createCertificateAuthority({organization: 'mallory'}), {organization: 'mallory.client'})
    const userPaths = await writeOwn(own, ownCa, stranger)
    const before = await snapshot(own)
    await ensureStoreCertificates(layout, userPaths, record)
    expect(created).toEqual([])
    expect(await snapshot(own)).toEqual(before)
    expect(existsSync(layout.root)).toBe(false)
  })

  it('never makes a CA or client certificate at a path the user gave: a missing file, a directory or a path through a file is refused with its flag', async () => {
    const own = join(dir.path, 'own')
    const userPaths = await writeOwn(own, await createCertificateAuthority({organization: 'corp'}), await issueClientCertificate(await createCertificateAuthority({organization: 'corp'}), {organization: 'corp.client'}))
    const before = await snapshotTree(dir.path)
    const refused = async (given: Partial<CertificatePaths>, message: string, hint: RegExp): Promise<void> => {
      const error = await ensureStoreCertificates(layout, {...userPaths, ...given}, record).catch((caught: unknown) => caught as BerthError)
      expect(error).toBeInstanceOf(BerthError)
      expect((error as BerthError).message).toBe(message)
      expect(wordError(error as BerthError).hint).toMatch(hint)
    }
    await refused({caCert: join(own, 'typo.pem')}, `--tls-ca-cert ${join(own, 'typo.pem')} does not exist.`, /leave out --tls-ca-cert to use the store's own/)
    await refused({caKey: '/nonexistent/ca-key.pem'}, '--tls-ca-key /nonexistent/ca-key.pem: /nonexistent does not exist.', /existing CA key/)
    await refused({clientCert: own}, `--tls-client-cert ${own} is a directory, not a file.`, new RegExp(`e\\.g\\. --tls-client-cert ${own}/cert\\.pem`))
    await refused({clientKey: join(userPaths.clientCert, 'key.pem')}, `--tls-client-key ${join(userPaths.clientCert, 'key.pem')}: ${userPaths.clientCert} is a file, not a directory.`, /client key/)
    expect(created).toEqual([])
    expect(await snapshotTree(dir.path)).toEqual(before)
  })

  it('refuses a CA key other users can read, saying how to close it', async () => {
    await ensureStoreCertificates(layout, paths, record)
    await chmod(layout.caKey, 0o644)
    const before = await snapshotTree(layout.root)
    const failure = ensureStoreCertificates(layout, paths, record)
    await expect(failure).rejects.toThrow(`The CA key ${layout.caKey} is open to other users (mode 0644).`)
    expect(wordError(await failure.catch((caught: unknown) => caught) as BerthError).hint).toBe(`Run "chmod 600 ${layout.caKey}": anyone who can read it can issue certificates your machines trust.`)
    await expect(issueServerCertificateFor(paths, {organization: 'alice.m1', sans: ['localhost']})).rejects.toThrow('is open to other users (mode 0644)')
    expect(await snapshotTree(layout.root)).toEqual(before)
    await chmod(layout.caKey, 0o640)
    await expect(ensureStoreCertificates(layout, paths, record)).rejects.toThrow('(mode 0640)')
    await chmod(layout.caKey, 0o400)
    await ensureStoreCertificates(layout, paths, record)
  })

  it('refuses a CA of the user\'s that has expired or lacks its key, instead of replacing it', async () => {
    const own = join(dir.path, 'own')
    await mkdir(own, {recursive: true})
    const userPaths = {...paths, caCert: join(own, 'ca.pem'), caKey: join(own, 'ca-key.pem')}
    const expired = await createCertificateAuthority({organization: 'corp', now: new Date('2020-01-01T00:00:00Z')})
    await writeFile(userPaths.caCert, expired.certPem)
    await writeFile(userPaths.caKey, expired.keyPem, {mode: 0o600})
    await expect(ensureStoreCertificates(layout, userPaths, record)).rejects.toThrow(`The CA certificate ${userPaths.caCert} expired on 2022-12-15.`)
    await rm(userPaths.caKey)
    await expect(ensureStoreCertificates(layout, userPaths, record)).rejects.toThrow(`--tls-ca-key ${userPaths.caKey} does not exist.`)
    expect(await readFile(userPaths.caCert, 'utf8')).toBe(expired.certPem)
  })

  it('stops when aborted before it starts', async () => {
    await expect(ensureStoreCertificates(layout, paths, {...record, signal: AbortSignal.abort()})).rejects.toThrow()
    expect(created).toEqual([])
  })

  it('copies the client material into the machine directory (DOCKER_CERT_PATH)', async () => {
    await ensureStoreCertificates(layout, paths, record)
    const machine = layout.machine('m1')
    await installClientCertificates(paths, machine)
    expect(await readFile(machine.caCert, 'utf8')).toBe(await readFile(layout.caCert, 'utf8'))
    expect(await readFile(machine.clientCert, 'utf8')).toBe(await readFile(layout.clientCert, 'utf8'))
    expect(await readFile(machine.clientKey, 'utf8')).toBe(await readFile(layout.clientKey, 'utf8'))
    expect(await modes(machine.dir)).toEqual({'.': 0o700, 'ca.pem': 0o600, 'cert.pem': 0o600, 'key.pem': 0o600})
  })

  it('issues a server certificate from the CA on disk', async () => {
    await ensureStoreCertificates(layout, paths, record)
    const server = await issueServerCertificateFor(paths, {organization: 'alice.m1', sans: ['10.0.0.4', 'localhost']})
    expect(await opensslVerify(dir.path, await readFile(layout.caCert, 'utf8'), server.certPem, 'sslserver')).toMatchObject({code: 0})
    expect(new X509Certificate(server.certPem).subjectAltName).toBe('IP Address:10.0.0.4, DNS:localhost')
  })

  it('says so when there is no CA to issue a server certificate from', async () => {
    await expect(issueServerCertificateFor(paths, {organization: 'alice.m1', sans: []})).rejects.toThrow(`The CA certificate ${layout.caCert} does not exist.`)
  })
})

describe('store certificates across processes', () => {
  let dir: {path: string; remove: () => Promise<void>}

  beforeAll(async () => {
    dir = await tempDir('race')
    // The processes below import the compiled module. Errors elsewhere in the project must not stop the
    // build of this one (tsc -b still emits), so only a missing output counts as a failure.
    try {
      execFileSync('npx', ['tsc', '-b'], {cwd: repo, stdio: 'pipe'})
    } catch (error) {
      if (!existsSync(compiled)) throw error
    }
    return () => dir.remove()
  })

  it('makes exactly one CA when 20 processes start on an empty store at once', async () => {
    const root = join(dir.path, 'store')
    const script = `
      import {StoreLayout} from ${JSON.stringify(pathToFileURL(join(repo, 'dist/src/core/store/layout.js')).href)}
      import {defaultCertificatePaths, ensureStoreCertificates} from ${JSON.stringify(pathToFileURL(compiled).href)}
      import {readFileSync} from 'node:fs'
      const layout = new StoreLayout(process.env.STORE)
      const created = []
      await ensureStoreCertificates(layout, defaultCertificatePaths(layout), {onCreate: (what) => created.push(what)})
      console.log(JSON.stringify({created, ca: readFileSync(layout.caCert, 'utf8'), client: readFileSync(layout.clientCert, 'utf8')}))
    `
    const runs = await Promise.all(Array.from({length: 20}, () =>
      execFileAsync(process.execPath, ['--input-type=module', '-e', script], {env: {...process.env, STORE: root}, timeout: 90_000})))
    const reports = runs.map((run) => JSON.parse(run.stdout) as {created: string[]; ca: string; client: string})
    const ca = await readFile(join(root, 'certs/ca.pem'), 'utf8')
    expect(reports.flatMap((report) => report.created).sort()).toEqual(['CA', 'client certificate'])
    expect(new Set(reports.map((report) => report.ca))).toEqual(new Set([ca]))
    for (const client of new Set(reports.map((report) => report.client))) {
      expect(await opensslVerify(dir.path, ca, client, 'sslclient')).toMatchObject({code: 0})
    }
    // No lock or temporary file left behind.
    expect((await readdir(join(root, 'certs'))).sort()).toEqual(['ca-key.pem', 'ca.pem', 'cert.pem', 'key.pem'])
  })
})

async function writeStore(paths: CertificatePaths, ca: {certPem: string; keyPem: string}, client: {certPem: string; keyPem: string}): Promise<void> {
  await mkdir(dirname(paths.caCert), {recursive: true, mode: 0o700})
  await writeFile(paths.caCert, ca.certPem, {mode: 0o600})
  await writeFile(paths.caKey, ca.keyPem, {mode: 0o600})
  await writeFile(paths.clientCert, client.certPem, {mode: 0o600})
  await writeFile(paths.clientKey, client.keyPem, {mode: 0o600})
}

/** Permission bits of a directory and everything in it, by relative path. */
async function modes(root: string): Promise<Record<string, number>> {
  const result: Record<string, number> = {'.': (await stat(root)).mode & 0o777}
  for (const entry of await readdir(root, {recursive: true})) result[entry] = (await stat(join(root, entry))).mode & 0o777
  return result
}

/** Names, bytes and modification times of a directory's files, to prove nothing changed. */
async function snapshot(root: string): Promise<Record<string, {content: string; mtimeMs: number}>> {
  const result: Record<string, {content: string; mtimeMs: number}> = {}
  for (const entry of (await readdir(root)).sort()) {
    const path = join(root, entry)
    result[entry] = {content: await readFile(path, 'utf8'), mtimeMs: (await stat(path)).mtimeMs}
  }
  return result
}

/** The user's own CA and client certificate, in a folder of theirs, as --tls-* flags would name them. */
async function writeOwn(dir: string, ca: {certPem: string; keyPem: string}, client: {certPem: string; keyPem: string}): Promise<CertificatePaths> {
  const own = {caCert: join(dir, 'ca.pem'), caKey: join(dir, 'ca-key.pem'), clientCert: join(dir, 'cert.pem'), clientKey: join(dir, 'key.pem')}
  await writeStore(own, ca, client)
  return own
}
