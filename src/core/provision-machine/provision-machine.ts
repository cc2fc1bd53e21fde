import {readFile} from 'node:fs/promises'
import {hostname} from 'node:os'
import {checkGivenCertificateFiles, installClientCertificates, machineCertificatePaths, type CertificatePaths} from '../certs/store-certificates.js'
import type {DockerContextStore} from '../client/docker-context.js'
import type {Driver} from '../../driver-kit/contract.js'
import type {DriverRegistry} from '../driver-registry/registry.js'
import {BerthError, errorMessage} from '../errors.js'
import {machineTls} from '../machine/engine-access.js'
import {writeMachineContext} from '../machine/machine-context.js'
import {DEFAULT_SSH_TIMEOUT_MS, openMachineSsh} from '../machine/machine-ssh.js'
import {refuseEngineManagedElsewhere} from '../machine/engine-ownership.js'
import {openMachine} from '../machine/open-machine.js'
import {waitForEngine} from '../machine/wait-for-engine.js'
import {provisionHost} from '../provision/index.js'
import type {Reporter} from '../reporter.js'
import type {MachineStore} from '../store/machine-store.js'
import type {EngineOptions, MachineConfig} from '../store/schema.js'
import {ensureServerCertificate, serverCertificateSans, storeServerCertificate} from './server-certificate.js'

export interface ProvisionDeps {
  store: MachineStore
  registry: DriverRegistry
  certificates: CertificatePaths
  contexts: DockerContextStore
  reporter: Reporter
  env: NodeJS.ProcessEnv
  signal: AbortSignal
  /** How long to wait for SSH (--ssh-timeout); default DEFAULT_SSH_TIMEOUT_MS. */
  sshTimeoutMs?: number
  /**
   * Whether the host may still be booting (just made or started by its driver, or rebooted): SSH refusals and
   * timeouts are then waited on. Default false: a machine that exists should answer, and its first answer is final.
   */
  hostMayBeBooting?: boolean
}

const ENGINE_ANSWER_TIMEOUT_MS = 60_000

interface ProvisionOptions {
  renewServerCert: boolean
  /** Engine options to provision with instead of the stored ones; stored only once the engine came up with them. */
  engine?: EngineOptions
  /** Extra names for the server certificate, stored with the engine options. */
  sans?: readonly string[]
  /** Take over a host another berth machine manages (--force-adopt). */
  forceAdopt?: boolean
}

/** The last steps of creating a machine whose engine berth only registers: its address, client certificates, context. */
async function finishRegistration(name: string, driver: Driver, deps: ProvisionDeps): Promise<MachineConfig> {
  const [address, url] = await Promise.all([driver.address(deps.signal), driver.dockerUrl(deps.signal)])
  await installClientCertificates(deps.certificates, deps.store.layout.machine(name))
  const config = await deps.store.update(name, (current) => ({...current, endpoint: {address, url}}))
  await writeMachineContext(deps.contexts, deps.store.layout, name, url, deps.reporter)
  return config
}

/**
 * Provision a machine whose host exists and runs: server certificate for its current address, SSH, the
 * provisioning plan, then the stored engine options, endpoint and docker context brought up to date. Safe to
 * repeat; a failure leaves the host and the store as they were.
 */
export async function provisionMachine(name: string, deps: ProvisionDeps, options: ProvisionOptions): Promise<MachineConfig> {
  const {store, reporter, signal} = deps
  await checkGivenCertificateFiles(store.layout, deps.certificates)
  const config = await store.load(name)
  const {driver, definition} = await openMachine(store.layout, deps.registry, config, deps.env)
  if (!definition.capabilities.provisions) {
    // Such a machine's create ends by recording its engine's address: an interrupted one is finished here.
    if (config.endpoint === undefined) return finishRegistration(name, driver, deps)
    throw new BerthError(`Machine "${name}" uses the ${definition.name} driver; berth does not manage its engine.`, {code: 'engine-not-managed', data: {driver: definition.name, machine: name}})
  }
  refuseEngineManagedElsewhere(name, driver)
  const [address, url, endpoint] = await Promise.all([driver.address(signal), driver.dockerUrl(signal), driver.sshEndpoint(signal)])
  if (endpoint === undefined) throw new BerthError(`The ${definition.name} driver gives no SSH access to "${name}".`, {code: 'driver-broken'})
  const machine = store.layout.machine(name)
  const engine = {...(options.engine ?? config.engine), port: Number(new URL(url).port)}
  const sans = [...new Set([...config.auth.sans, ...(options.sans ?? [])])]
  // A machine imported with the CA that issued its certificates stays with that CA.
  const certificates = machineCertificatePaths(store.layout, config.auth, deps.certificates)
  await installClientCertificates(certificates, machine)
  // Issuing the server certificate (an RSA key) and waiting for SSH overlap: each is a noticeable part of a create.
  const [issuing, connecting] = await Promise.allSettled([
    ensureServerCertificate(machine, certificates, {
      organization: `${deps.env.USER || 'berth'}.${name}`,
      sans: serverCertificateSans(name, [address], sans),
      renew: options.renewServerCert,
    }),
    reporter.step(`Waiting for SSH on ${endpoint.user}@${endpoint.host}:${endpoint.port}`, () => openMachineSsh(machine, endpoint, {
      timeoutMs: deps.sshTimeoutMs ?? DEFAULT_SSH_TIMEOUT_MS,
      signal,
      mayBeBooting: deps.hostMayBeBooting === true,
      settingFlags: definition.sshSettingFlags,
      log: (line) => reporter.debug(`ssh ${name}: ${line}`),
      status: (message) => reporter.status(message),
    })),
  ])
  if (issuing.status === 'rejected' || connecting.status === 'rejected') {
    if (connecting.status === 'fulfilled') await connecting.value.close()
    throw issuing.status === 'rejected' ? issuing.reason : (connecting as PromiseRejectedResult).reason
  }
  const server = issuing.value
  const session = connecting.value
  if (server.issued) reporter.debug(`issued a server certificate for ${name} covering ${address}`)
  try {
    const tls = await machineTls(machine)
    const report = await provisionHost(session, {
      machineName: name,
      engine,
      tls: {caPem: await readFile(certificates.caCert, 'utf8'), serverCertPem: server.certPem, serverKeyPem: server.keyPem},
      verifyEngine: async (stepSignal) => {
        const version = await waitForEngine(url, tls, {timeoutMs: ENGINE_ANSWER_TIMEOUT_MS, signal: stepSignal, onRetry: (error) => reporter.status(`${errorMessage(error)} Trying again.`)})
        reporter.debug(`engine at ${url}: Docker ${version.version}`)
      },
      owner: {machine: name, store: store.layout.root, computer: hostname()},
      forceAdopt: options.forceAdopt === true,
      machineExists: (other) => store.exists(other),
      takeOver: config.engineSetUpBy === 'docker-machine',
    }, reporter, signal)
    reporter.debug(`provisioned ${name} (${report.os}): applied ${report.applied.join(', ') || 'nothing'}; already done ${report.skipped.join(', ') || 'nothing'}`)
  } catch (error) {
    // The host keeps (or got back) the certificate it had: so does the store.
    if (server.previous !== undefined) await storeServerCertificate(machine, server.previous)
    throw error
  } finally {
    await session.close()
  }
  const updated = await store.update(name, ({engineSetUpBy: _replaced, ...current}) => ({
    ...current,
    engine,
    auth: {...current.auth, sans},
    endpoint: {address, url},
    ssh: {user: endpoint.user, host: endpoint.host, port: endpoint.port, keyPath: store.layout.toStored(endpoint.keyPath)},
  }))
  await writeMachineContext(deps.contexts, store.layout, name, url, reporter)
  return updated
}
