import {readFileSync} from 'node:fs'
import {readFile} from 'node:fs/promises'
import type {EngineTls, EngineVersion} from '../engine/engine-client.js'
import {BerthError} from '../errors.js'
import {describeProblem, type CertificateProblem} from '../certs/certificate-problems.js'
import {run, type CommandFix} from '../fix.js'
import {quoteValue} from '../safe-text.js'
import type {MachineLayout} from '../store/layout.js'
import type {EngineEndpoint, MachineConfig} from '../store/schema.js'
import type {EngineAgent} from '../engine/engine-agent.js'

// What reaching a machine's engine takes. The checks env and config run (engine-access-check.ts, and the full
// certificate-check.ts it loads when needed) build on this module and are never imported from it.

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
    throw new BerthError(`Machine "${config.name}" has no engine address yet: its creation did not finish.`, {code: 'engine-address-missing', data: {machine: config.name}, fixes: [run('provision', config.name)]})
  }
  if (!isTcpUrl(config.endpoint.url)) {
    throw new BerthError(`The engine URL of machine "${config.name}" is ${quoteValue(config.endpoint.url)}, not a tcp:// URL: berth cannot connect to it.`, {
      code: 'engine-url-placeholder', data: {machine: config.name, url: config.endpoint.url},
    })
  }
  return config.endpoint
}

/**
 * Whether an engine URL is one berth can connect to. The none driver stores any other text as given, as Docker
 * Machine did (scripts register placeholder machines with `--url none`): shown by ls, url and inspect, never dialled.
 */
export function isTcpUrl(url: string): boolean {
  return /^tcp:\/\//i.test(url)
}

/** The engine's version over mutual TLS with the machine's certificates. */
export async function queryEngineVersion(machine: MachineLayout, config: MachineConfig, options: {signal?: AbortSignal; timeoutMs?: number; agent?: EngineAgent}): Promise<EngineVersion> {
  const {engineVersion} = await import('../engine/engine-client.js')
  return engineVersion(endpointOf(config).url, await machineTls(machine), options)
}

/** The command that issues a machine a new client certificate, or new certificates all round. */
export function regenerateFix(name: string, certificate: 'client' | 'server'): CommandFix {
  return certificate === 'client' ? run('regenerate-certs', name, ['--client-certs']) : run('regenerate-certs', name)
}

/** A certificate of the machine cannot be used (expired, not yet valid, not covering its address, not trusted). */
export class CertificateInvalidError extends BerthError {
  override readonly name = 'CertificateInvalidError'
  constructor(machine: string, certificate: 'client certificate' | 'server certificate', problem: CertificateProblem) {
    super(`Cannot use machine "${machine}": ${describeProblem(problem, machine, certificate)}.`, {
      code: 'machine-certificate-invalid',
      data: {machine, certificate, problem},
      fixes: [regenerateFix(machine, certificate === 'client certificate' ? 'client' : 'server')],
    })
  }
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
