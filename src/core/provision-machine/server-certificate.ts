import {readFile} from 'node:fs/promises'
import {issueServerCertificateFor, type CertificatePaths} from '../certs/store-certificates.js'
import type {CertificateAndKey} from '../certs/authority.js'
import {checkServerCertificate} from '../certs/validate.js'
import {writeFileAtomic} from '../store/files.js'
import type {MachineLayout} from '../store/layout.js'

/** The names and addresses a machine's server certificate must cover. */
export function serverCertificateSans(name: string, addresses: readonly string[], extra: readonly string[]): string[] {
  return [...new Set([...addresses, name, 'localhost', ...extra])]
}

/**
 * The machine's server certificate: the stored one while it is valid, issued by the current CA and covers every
 * wanted name (so provisioning again changes nothing on the host), else a new one, written before it is used.
 */
export async function ensureServerCertificate(machine: MachineLayout, paths: CertificatePaths, request: {organization: string; sans: readonly string[]; renew: boolean}): Promise<CertificateAndKey & {issued: boolean; previous?: CertificateAndKey}> {
  const stored = await readStored(machine)
  if (!request.renew && stored !== undefined) {
    const caPem = await readFile(paths.caCert, 'utf8')
    const usable = request.sans.every((san) => checkServerCertificate({certPem: stored.certPem, caPem, address: san}).length === 0)
    if (usable) return {...stored, issued: false}
  }
  const issued = await issueServerCertificateFor(paths, {organization: request.organization, sans: request.sans})
  await storeServerCertificate(machine, issued)
  return {...issued, issued: true, ...(stored === undefined ? {} : {previous: stored})}
}

/** Write a server certificate and its key into the machine's directory (also to put the previous one back). */
export async function storeServerCertificate(machine: MachineLayout, certificate: CertificateAndKey): Promise<void> {
  await writeFileAtomic(machine.serverKey, certificate.keyPem)
  await writeFileAtomic(machine.serverCert, certificate.certPem)
}

async function readStored(machine: MachineLayout): Promise<CertificateAndKey | undefined> {
  try {
    const [certPem, keyPem] = await Promise.all([readFile(machine.serverCert, 'utf8'), readFile(machine.serverKey, 'utf8')])
    return {certPem, keyPem}
  } catch {
    return undefined
  }
}
