import {readFileSync} from 'node:fs'
import {readFile} from 'node:fs/promises'
import {certificateFiles, recallCertificateFacts, rememberCertificateFacts, type CertificateFacts} from '../certs/certificate-memo.js'
import {describeProblem, windowProblems} from '../certs/certificate-problems.js'
import type {EngineTls, EngineVersion} from '../engine/engine-client.js'
import {BerthError} from '../errors.js'
import type {MachineLayout} from '../store/layout.js'
import type {EngineEndpoint, MachineConfig} from '../store/schema.js'
import type {EngineAgent} from '../engine/engine-agent.js'

/** The client TLS material in the machine's directory (what DOCKER_CERT_PATH points at). */
export async function machineTls(machine: MachineLayout): Promise<EngineTls> {
  const [ca, cert, key] = await Promise.all([machine.caCert, machine.clientCert, machine.clientKey].map((path) => readFile(path)))
  return {ca: ca!, cert: cert!, key: key!}
}

/** machineTls, read synchronously: for many machines at once (berth ls), where promises cost more than the reads. */
export function machineTlsSync(machine: MachineLayout): EngineTls {
  return {ca: readFileSync(machine.caCert), cert: readFileSync(machine.clientCert), key: readFileSync(machine.clientKey)}
}

export function endpointOf(config: MachineConfig): EngineEndpoint {
  if (config.endpoint === undefined) {
    throw new BerthError(`Machine "${config.name}" has no engine address yet: its creation did not finish ("berth provision ${config.name}" finishes it).`, {hint: `Run "berth provision ${config.name}" to finish it.`})
  }
  return config.endpoint
}

/** The engine's version over mutual TLS with the machine's certificates. */
export async function queryEngineVersion(machine: MachineLayout, config: MachineConfig, options: {signal?: AbortSignal; timeoutMs?: number; agent?: EngineAgent}): Promise<EngineVersion> {
  const {engineVersion} = await import('../engine/engine-client.js')
  return engineVersion(endpointOf(config).url, await machineTls(machine), options)
}

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

/** What fixes a machine's client or server certificate. */
export function regenerateHint(name: string, certificate: 'client' | 'server'): string {
  return certificate === 'client' ? `Run "berth regenerate-certs --client-certs ${name}".` : `Run "berth regenerate-certs ${name}" to issue new certificates (the engine restarts).`
}

/** Warnings for certificates about to expire; an error for one outside its validity period. */
function judgeValidity(name: string, facts: CertificateFacts, now: Date): string[] {
  const warnings: string[] = []
  const checks = [
    {window: facts.client, certificate: 'client certificate', hint: regenerateHint(name, 'client')},
    {window: facts.server, certificate: 'server certificate', hint: regenerateHint(name, 'server')},
  ]
  for (const {window, certificate, hint} of checks) {
    for (const problem of windowProblems(window, now)) {
      if (problem.kind !== 'expiring') throw new BerthError(`Cannot use machine "${name}": ${describeProblem(problem, name, certificate)}.`, {hint})
      warnings.push(describeProblem(problem, name, certificate))
    }
  }
  return warnings
}

/**
 * Ask an engine berth only registered for its version over TLS, and record the certificate it presented, so
 * that env and config can check it without the network next time. The TLS client is loaded only here.
 */
export async function checkRegisteredEngine(machine: MachineLayout, url: string, tls: EngineTls, options: {timeoutMs: number; signal?: AbortSignal}): Promise<EngineVersion> {
  const {engineVersion} = await import('../engine/engine-client.js')
  let presented: string | undefined
  const version = await engineVersion(url, tls, {...options, onPeerCertificate: (pem) => {
    presented = pem
  }})
  if (presented !== undefined) {
    const pem = presented
    const [{withLock}, {writeFileAtomic}] = await Promise.all([import('../store/lock.js'), import('../store/files.js')])
    // env takes no machine lock: a machine rm removed meanwhile must not come back as a directory with this file alone.
    await withLock(machine.lock, () => writeFileAtomic(machine.engineCert, pem, undefined, {createDir: false}), {createDir: false, ...(options.signal === undefined ? {} : {signal: options.signal})})
  }
  return version
}
