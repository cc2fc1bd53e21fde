import {readFileSync, statSync} from 'node:fs'
import {writeFileAtomic} from '../store/files.js'
import type {MachineLayout} from '../store/layout.js'
import type {ValidityWindow} from './certificate-problems.js'

/**
 * What a full check of a machine's certificates established: the client and server certificates chain to the
 * CA and the server's names the address. Only their validity periods still depend on the clock, so they are
 * kept; `env` and `config` judge those against the time without loading node:crypto or parsing a certificate.
 */
export interface CertificateFacts {
  address: string
  client: ValidityWindow
  server: ValidityWindow
}

interface Memo extends CertificateFacts {
  files: string
}

/**
 * Which versions of the certificate and key files the facts are about: device, inode, size and modification time of
 * each, "-" for one that is absent. Any replacement (regenerate-certs, a new engine certificate, a hand edit)
 * changes it, and the facts are then established again.
 */
export function certificateFiles(machine: MachineLayout): string {
  return [machine.caCert, machine.clientCert, machine.clientKey, machine.serverCert, machine.engineCert].map((path) => {
    try {
      const stat = statSync(path, {bigint: true})
      return `${stat.dev}:${stat.ino}:${stat.size}:${stat.mtimeNs}`
    } catch {
      return '-'
    }
  }).join(' ')
}

/** The facts for these files and this address, if they were established. */
export function recallCertificateFacts(machine: MachineLayout, address: string, files: string): CertificateFacts | undefined {
  try {
    const memo = JSON.parse(readFileSync(machine.certificateMemo, 'utf8')) as Partial<Memo>
    if (memo.files !== files || memo.address !== address || !isWindow(memo.client) || !isWindow(memo.server)) return undefined
    return {address, client: memo.client, server: memo.server}
  } catch {
    return undefined
  }
}

/**
 * Keep the facts for the files as they were before the check read them (so a file replaced meanwhile never
 * matches). Only a cache: a failed write costs the next env a full check, nothing else, so it is not locked.
 */
export async function rememberCertificateFacts(machine: MachineLayout, facts: CertificateFacts, files: string): Promise<void> {
  const memo: Memo = {...facts, files}
  await writeFileAtomic(machine.certificateMemo, `${JSON.stringify(memo)}\n`, undefined, {createDir: false}).catch(() => undefined)
}

function isWindow(value: unknown): value is ValidityWindow {
  const window = value as Partial<ValidityWindow> | undefined
  return typeof window?.notBefore === 'string' && typeof window.notAfter === 'string'
}
