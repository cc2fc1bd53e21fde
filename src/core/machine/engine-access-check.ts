import {certificateFiles, recallCertificateFacts, rememberCertificateFacts, type CertificateFacts} from '../certs/certificate-memo.js'
import {describeProblem, windowProblems} from '../certs/certificate-problems.js'
import type {MachineLayout} from '../store/layout.js'
import type {MachineConfig} from '../store/schema.js'
import {CertificateInvalidError, endpointOf} from './engine-access.js'

/**
 * Make sure the settings `env` and `config` hand out can work, without the network where berth knows enough:
 * the client certificate and the engine's (issued by berth, or the one an engine berth only registered
 * presented when last reached) must chain to the CA, cover the host's current address and be inside their
 * validity periods. What a full check established is remembered per version of the files, so later calls only
 * compare dates (see certificate-memo.ts). Returns warnings that do not stop the command.
 */
export async function checkEngineAccess(machine: MachineLayout, config: MachineConfig, signal?: AbortSignal): Promise<string[]> {
  const endpoint = endpointOf(config)
  const files = certificateFiles(machine)
  const known = recallCertificateFacts(machine, endpoint.address, files)
  const now = new Date()
  if (known !== undefined) {
    const problems = [...windowProblems(known.client, now), ...windowProblems(known.server, now)]
    if (problems.every((problem) => problem.kind === 'expiring')) return judgeValidity(config.name, known, now)
  }
  // Nothing remembered, or a period that ended: the full check says what is wrong, or finds a renewed certificate.
  const {verifyEngineAccess} = await import('./certificate-check.js')
  const facts = await verifyEngineAccess(machine, config, endpoint, signal)
  await rememberCertificateFacts(machine, facts, files)
  return judgeValidity(config.name, facts, now)
}

/** Warnings for certificates about to expire; an error for one outside its validity period. */
function judgeValidity(name: string, facts: CertificateFacts, now: Date): string[] {
  const warnings: string[] = []
  const checks = [
    {window: facts.client, certificate: 'client certificate'},
    {window: facts.server, certificate: 'server certificate'},
  ] as const
  for (const {window, certificate} of checks) {
    for (const problem of windowProblems(window, now)) {
      if (problem.kind !== 'expiring') throw new CertificateInvalidError(name, certificate, problem)
      warnings.push(describeProblem(problem, name, certificate))
    }
  }
  return warnings
}
