/**
 * Test tool: throwaway certificate authorities and certificates made with the openssl CLI, independent of
 * berth's own certificate code, so tests can check berth against certificates it did not make
 * ("a server certificate from another CA", "a client certificate from another CA"). Keys are unencrypted
 * and certificates live for two days: never use these outside tests.
 */
import {execFile} from 'node:child_process'
import {randomBytes} from 'node:crypto'
import {mkdtemp, readFile, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {promisify} from 'node:util'

const run = promisify(execFile)

export type TestKeyType = 'rsa' | 'ec'

export interface TestKeyPair {
  certPem: string
  keyPem: string
}

export interface TestPki {
  ca: TestKeyPair
  server: TestKeyPair
  client: TestKeyPair
}

export interface TestCertOptions {
  /** Subject common name. */
  cn?: string
  /** RSA 2048 (what Docker Machine and berth use) or P-256 (faster to make). Default rsa. */
  keyType?: TestKeyType
}

export interface TestLeafOptions extends TestCertOptions {
  /** subjectAltName entries as openssl writes them: 'IP:127.0.0.1', 'DNS:localhost'. Servers only. */
  sans?: readonly string[]
  days?: number
}

/** A self-signed CA. */
export async function makeTestCa(options: TestCertOptions = {}): Promise<TestKeyPair> {
  return inScratchDir(async (dir) => {
    await openssl([
      'req', '-x509', '-new', ...newKeyArgs(options.keyType), '-nodes', '-sha256', '-days', '2',
      '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-subj', `/CN=${options.cn ?? 'berth test CA'}`,
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign,digitalSignature',
    ])
    return readPair(dir)
  })
}

/** A server (serverAuth) or client (clientAuth) certificate issued by ca. */
export async function issueTestCert(ca: TestKeyPair, kind: 'server' | 'client', options: TestLeafOptions = {}): Promise<TestKeyPair> {
  return inScratchDir(async (dir) => {
    await writeFile(join(dir, 'ca.pem'), ca.certPem)
    await writeFile(join(dir, 'ca-key.pem'), ca.keyPem, {mode: 0o600})
    const extensions = [
      'basicConstraints=critical,CA:FALSE',
      `extendedKeyUsage=${kind === 'server' ? 'serverAuth' : 'clientAuth'}`,
      'keyUsage=critical,digitalSignature,keyEncipherment',
      ...(kind === 'server' && options.sans && options.sans.length > 0 ? [`subjectAltName=${options.sans.join(',')}`] : []),
    ]
    await writeFile(join(dir, 'ext.cnf'), `${extensions.join('\n')}\n`)
    await openssl([
      'req', '-new', ...newKeyArgs(options.keyType), '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'req.csr'),
      '-subj', `/CN=${options.cn ?? (kind === 'server' ? 'localhost' : 'berth test client')}`,
    ])
    await openssl([
      'x509', '-req', '-in', join(dir, 'req.csr'), '-CA', join(dir, 'ca.pem'), '-CAkey', join(dir, 'ca-key.pem'),
      '-set_serial', `0x${randomBytes(12).toString('hex')}`, '-sha256', '-days', String(options.days ?? 2),
      '-extfile', join(dir, 'ext.cnf'), '-out', join(dir, 'cert.pem'),
    ])
    return readPair(dir)
  })
}

/** A CA with a server certificate for loopback (127.0.0.1, ::1, localhost) and a client certificate. */
export async function makeTestPki(options: {serverSans?: readonly string[]; keyType?: TestKeyType; cn?: string} = {}): Promise<TestPki> {
  const keyType = options.keyType ?? 'rsa'
  const ca = await makeTestCa({keyType, cn: options.cn ?? 'berth test CA'})
  const [server, client] = await Promise.all([
    issueTestCert(ca, 'server', {keyType, sans: options.serverSans ?? ['IP:127.0.0.1', 'IP:::1', 'DNS:localhost']}),
    issueTestCert(ca, 'client', {keyType}),
  ])
  return {ca, server, client}
}

/** SHA-256 fingerprint of a PEM certificate as openssl prints it (AA:BB:...), for comparisons in tests. */
export async function testCertFingerprint(certPem: string): Promise<string> {
  return inScratchDir(async (dir) => {
    await writeFile(join(dir, 'cert.pem'), certPem)
    const {stdout} = await openssl(['x509', '-in', join(dir, 'cert.pem'), '-noout', '-fingerprint', '-sha256'])
    return stdout.trim().replace(/^.*=/, '')
  })
}

function newKeyArgs(keyType: TestKeyType = 'rsa'): string[] {
  return keyType === 'ec' ? ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1'] : ['-newkey', 'rsa:2048']
}

async function openssl(args: string[]): Promise<{stdout: string}> {
  try {
    return await run('openssl', args, {encoding: 'utf8'})
  } catch (error) {
    const stderr = (error as {stderr?: string}).stderr ?? ''
    throw new Error(`openssl ${args[0] ?? ''} failed: ${stderr.trim() || String(error)}`, {cause: error})
  }
}

async function readPair(dir: string): Promise<TestKeyPair> {
  const [certPem, keyPem] = await Promise.all([readFile(join(dir, 'cert.pem'), 'utf8'), readFile(join(dir, 'key.pem'), 'utf8')])
  return {certPem, keyPem}
}

async function inScratchDir<T>(work: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'berth-test-pki-'))
  try {
    return await work(dir)
  } finally {
    await rm(dir, {recursive: true, force: true})
  }
}
