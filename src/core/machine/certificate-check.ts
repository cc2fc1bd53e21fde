import {readFile} from 'node:fs/promises'
import type {CertificateFacts} from '../certs/certificate-memo.js'
import {certificateWindow, checkServerCertificate, keyMatchesCertificate, type CertificateProblem} from '../certs/validate.js'
import {BerthError, errorMessage} from '../errors.js'
import type {MachineLayout} from '../store/layout.js'
import type {EngineEndpoint, MachineConfig} from '../store/schema.js'
import {CertificateInvalidError, checkRegisteredEngine, machineTls, regenerateFix} from './engine-access.js'

/**
 * The full check behind checkEngineAccess (engine-access-check.ts): certificates parsed and verified against the CA. Throws for what
 * makes the settings unusable, other than the clock; returns the validity periods for the caller to judge.
 * Where berth issued the server certificate, only the stored files are read. For an engine berth only
 * registered, the certificate it presented last time is checked likewise, and when there is none or it no
 * longer passes, the engine is asked over TLS (which records what it presents now).
 */
export async function verifyEngineAccess(machine: MachineLayout, config: MachineConfig, endpoint: EngineEndpoint, signal?: AbortSignal): Promise<CertificateFacts> {
  const name = config.name
  const tls = await machineTls(machine).catch((error: unknown) => {
    const reason = errorMessage(error)
    throw new BerthError(`Machine "${name}" is missing its client certificates (${reason}).`, {code: 'client-certificates-missing', data: {machine: name, reason}, fixes: [regenerateFix(name, 'server')]})
  })
  const client = certificateWindow(tls.cert.toString())
  if ('reason' in client) throw new CertificateInvalidError(name, 'client certificate', client)
  // The docker CLI would fail every TLS handshake with a key that is not the certificate's.
  if (!keyMatchesCertificate(tls.key.toString(), tls.cert.toString())) {
    throw new BerthError(`Cannot use machine "${name}": its client key ${machine.clientKey} does not belong to its client certificate ${machine.clientCert}.`, {
      code: 'client-key-mismatch',
      data: {machine: name, key: machine.clientKey, certificate: machine.clientCert},
      fixes: [regenerateFix(name, 'client')],
    })
  }
  const problemsOf = (pem: string): CertificateProblem[] => checkServerCertificate({certPem: pem, caPem: tls.ca.toString(), address: endpoint.address})
  const timeless = (problem: CertificateProblem): boolean => problem.kind !== 'expiring' && problem.kind !== 'expired' && problem.kind !== 'not-yet-valid'

  const issued = await readFile(machine.serverCert, 'utf8').catch(() => undefined)
  if (issued !== undefined) {
    const problem = problemsOf(issued).find(timeless)
    if (problem !== undefined) throw new CertificateInvalidError(name, 'server certificate', problem)
    return {address: endpoint.address, client, server: windowOf(issued)}
  }
  const observed = await readFile(machine.engineCert, 'utf8').catch(() => undefined)
  if (observed !== undefined && problemsOf(observed).every((problem) => problem.kind === 'expiring')) {
    return {address: endpoint.address, client, server: windowOf(observed)}
  }
  try {
    await checkRegisteredEngine(machine, endpoint.url, tls, {timeoutMs: 10_000, ...(signal ? {signal} : {})})
  } catch (error) {
    // The cause's fix when it names one (the CLI words it); else new certificates.
    const ownFix = error instanceof BerthError && (error.hint !== undefined || error.fixes.length > 0)
    throw new BerthError(`Cannot use machine "${name}": ${errorMessage(error)}`, {code: 'engine-check-failed', data: {machine: name}, cause: error, fixes: ownFix ? error.fixes : [regenerateFix(name, 'server')]})
  }
  return {address: endpoint.address, client, server: windowOf(await readFile(machine.engineCert, 'utf8'))}
}

function windowOf(pem: string): CertificateFacts['server'] {
  const window = certificateWindow(pem)
  if ('reason' in window) throw new BerthError(`A certificate berth checked a moment ago ${window.reason}.`, {code: 'certificate-changed', data: {reason: window.reason}})
  return window
}
