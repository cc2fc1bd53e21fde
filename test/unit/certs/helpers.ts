import {execFile} from 'node:child_process'
import {mkdtemp, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {promisify} from 'node:util'

const execFileAsync = promisify(execFile)

/** A fresh directory for one test file; `remove` deletes it and everything in it. */
export async function tempDir(prefix: string): Promise<{path: string; remove: () => Promise<void>}> {
  const path = await mkdtemp(join(tmpdir(), `berth-${prefix}-`))
  return {path, remove: () => rm(path, {recursive: true, force: true})}
}

/** Run openssl; resolves with its exit code and output instead of throwing, so failures can be asserted on. */
export async function openssl(args: string[]): Promise<{code: number; stdout: string; stderr: string}> {
  try {
    const {stdout, stderr} = await execFileAsync('openssl', args)
    return {code: 0, stdout, stderr}
  } catch (error) {
    const failed = error as {code?: number; stdout?: string; stderr?: string}
    return {code: typeof failed.code === 'number' ? failed.code : 1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? ''}
  }
}

/** `openssl verify -x509_strict -purpose <purpose>` of a certificate against a CA, both given as PEM text. */
export async function opensslVerify(dir: string, caPem: string, certPem: string, purpose: 'sslserver' | 'sslclient') {
  const caFile = join(dir, `verify-ca-${Math.random().toString(36).slice(2)}.pem`)
  const certFile = join(dir, `verify-cert-${Math.random().toString(36).slice(2)}.pem`)
  await writeFile(caFile, caPem)
  await writeFile(certFile, certPem)
  return openssl(['verify', '-x509_strict', '-purpose', purpose, '-CAfile', caFile, certFile])
}

/** `openssl x509 -text` of a PEM certificate. */
export async function opensslText(dir: string, certPem: string): Promise<string> {
  const file = join(dir, `text-${Math.random().toString(36).slice(2)}.pem`)
  await writeFile(file, certPem)
  const result = await openssl(['x509', '-in', file, '-noout', '-text'])
  if (result.code !== 0) throw new Error(`openssl x509 failed: ${result.stderr}`)
  return result.stdout
}
