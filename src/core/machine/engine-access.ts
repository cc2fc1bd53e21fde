import {readFileSync} from 'node:fs'
import {readFile} from 'node:fs/promises'
import {checkCertificateValidity, checkServerCertificate, describeProblem} from '../certs/validate.js'
import {engineVersion, type EngineTls, type EngineVersion} from '../engine/engine-client.js'
import {BerthError, errorMessage} from '../errors.js'
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
    throw new BerthError(`Machine "${config.name}" has no engine address yet: its creation did not finish.`, {hint: `Remove it with "berth rm -f ${config.name}" and create it again.`})
  }
  return config.endpoint
}

/** The engine's version over mutual TLS with the machine's certificates. */
export async function queryEngineVersion(machine: MachineLayout, config: MachineConfig, options: {signal?: AbortSignal; timeoutMs?: number; agent?: EngineAgent}): Promise<EngineVersion> {
  return engineVersion(endpointOf(config).url, await machineTls(machine), options)
}

/**
 * Make sure the settings `env` and `config` hand out can work. Where berth issued the server certificate,
 * the check reads only the stored certificates (no network): expired, not from our CA, or not covering the
 * host's current address. Where the engine's certificate is not berth's to hold (an engine berth only
 * registered), the engine is asked over TLS. Returns warnings that do not stop the command.
 */
export async function checkEngineAccess(machine: MachineLayout, config: MachineConfig, signal?: AbortSignal): Promise<string[]> {
  const endpoint = endpointOf(config)
  const regenerate = `Run "berth regenerate-certs ${config.name}" to issue new certificates (the engine restarts).`
  const tls = await machineTls(machine).catch((error: unknown) => {
    throw new BerthError(`Machine "${config.name}" is missing its client certificates (${errorMessage(error)}).`, {hint: regenerate})
  })
  const warnings: string[] = []
  for (const problem of checkCertificateValidity(tls.cert.toString())) {
    if (problem.kind !== 'expiring') throw new BerthError(`Cannot use machine "${config.name}": ${describeProblem(problem, config.name, 'client certificate')}.`, {hint: `Run "berth regenerate-certs --client-certs ${config.name}".`})
    warnings.push(describeProblem(problem, config.name, 'client certificate'))
  }
  const serverPem = await readFile(machine.serverCert, 'utf8').catch(() => undefined)
  if (serverPem === undefined) {
    try {
      await engineVersion(endpoint.url, tls, {timeoutMs: 10_000, ...(signal ? {signal} : {})})
    } catch (error) {
      throw new BerthError(`Cannot use machine "${config.name}": ${errorMessage(error)}`, {hint: error instanceof BerthError && error.hint ? error.hint : regenerate})
    }
    return warnings
  }
  for (const problem of checkServerCertificate({certPem: serverPem, caPem: tls.ca.toString(), address: endpoint.address})) {
    if (problem.kind === 'expiring') warnings.push(describeProblem(problem, config.name))
    else throw new BerthError(`Cannot use machine "${config.name}": ${describeProblem(problem, config.name)}.`, {hint: regenerate})
  }
  return warnings
}
