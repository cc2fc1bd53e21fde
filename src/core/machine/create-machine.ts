import {readFile} from 'node:fs/promises'
import {ensureStoreCertificates, installClientCertificates, type CertificatePaths} from '../certs/store-certificates.js'
import {DockerContextConflictError, type DockerContextStore} from '../client/docker-context.js'
import type {Driver, DriverDefinition, FlagValues, OperationContext} from '../drivers/driver.js'
import type {DriverRegistry} from '../drivers/registry.js'
import {engineVersion} from '../engine/engine-client.js'
import {EngineError} from '../engine/engine-error.js'
import {BerthError, MachineExistsError, PreCreateCheckError, errorMessage} from '../errors.js'
import {validateMachineName} from '../machine-name.js'
import type {Reporter} from '../reporter.js'
import type {MachineStore} from '../store/machine-store.js'
import {CONFIG_VERSION, type EngineOptions, type MachineConfig} from '../store/schema.js'
import {machineTls} from './engine-access.js'
import {driverSetup} from './open-machine.js'

export interface CreateRequest {
  name: string
  driver: string
  driverFlags: FlagValues
  engine: EngineOptions
  /** Extra names and addresses for the server certificate. */
  sans: string[]
  /** Leave what was made in place when creation fails, for inspection. */
  keepOnFailure: boolean
}

export interface CreateDeps {
  store: MachineStore
  registry: DriverRegistry
  certificates: CertificatePaths
  contexts: DockerContextStore
  reporter: Reporter
  env: NodeJS.ProcessEnv
  signal: AbortSignal
}

/**
 * Make a machine: everything that can be checked is checked before anything is written, the machine's
 * directory is then reserved, the driver makes the host (recording each resource as it appears), and
 * the client side is set up. A failure removes whatever was made, unless keepOnFailure.
 */
export async function createMachine(request: CreateRequest, deps: CreateDeps): Promise<MachineConfig> {
  const {store, reporter} = deps
  validateMachineName(request.name)
  if (await store.exists(request.name)) throw new MachineExistsError(request.name)
  // A user's own docker context of this name would block the last step: refuse before anything is made.
  if (await deps.contexts.owner(request.name, store.layout.root) === 'other') throw new DockerContextConflictError(request.name)
  const definition = await deps.registry.get(request.driver)
  const driver = definition.fromFlags(request.driverFlags, driverSetup(store.layout, request.name, deps.env))
  const operation = operationContext(deps, request.name)

  await reporter.step('Running pre-create checks', async () => {
    try {
      await driver.preCreateCheck(operation)
    } catch (error) {
      if (error instanceof BerthError) throw new PreCreateCheckError(error.message, error.hint)
      throw new PreCreateCheckError(`Pre-create check failed: ${errorMessage(error)}`)
    }
  })
  await ensureStoreCertificates(store.layout, deps.certificates, {
    signal: deps.signal,
    onCreate: (what, path) => reporter.info(`Creating ${what}: ${path}`),
  })

  await store.create({
    version: CONFIG_VERSION,
    name: request.name,
    createdAt: new Date().toISOString(),
    driver: {name: definition.name, state: driver.toState()},
    engine: request.engine,
    auth: {sans: request.sans},
    resources: [],
  })
  try {
    await reporter.step('Creating machine', () => driver.create(operation))
    const [address, url] = await Promise.all([driver.address(deps.signal), driver.dockerUrl(deps.signal)])
    const config = await store.update(request.name, (current) => ({...current, driver: {name: definition.name, state: driver.toState()}, endpoint: {address, url}}))
    const machine = store.layout.machine(request.name)
    await installClientCertificates(deps.certificates, machine)
    if (!definition.capabilities.provisions) await verifyRegisteredEngine(config, deps)
    const context = await deps.contexts.write({name: request.name, url, tls: await pemTexts(machine), storePath: store.layout.root})
    if (!context.written) reporter.warn(`No docker context was written for "${request.name}": ${context.reason}. Use eval "$(berth env ${request.name})" instead.`)
    return config
  } catch (error) {
    if (request.keepOnFailure) {
      reporter.warn(`Creation failed; "${request.name}" was kept as it is (--keep-on-failure). Remove it with "berth rm -f ${request.name}".`)
    } else {
      await rollBack(request.name, definition, driver, deps)
    }
    throw error
  }
}

function operationContext(deps: CreateDeps, name: string): OperationContext {
  return {
    signal: deps.signal,
    progress: (message) => deps.reporter.info(message),
    record: async (resource) => {
      await deps.store.update(name, (config) => ({...config, resources: [...config.resources, resource]}))
    },
  }
}

/**
 * An engine berth only registers must already trust berth's CA. A reachable engine that does not is an
 * error now rather than a broken `env` later; one that cannot be reached yet is registered with a warning.
 */
async function verifyRegisteredEngine(config: MachineConfig, deps: CreateDeps): Promise<void> {
  const url = config.endpoint!.url
  try {
    const version = await deps.reporter.step('Checking the engine over TLS', async () => engineVersion(url, await machineTls(deps.store.layout.machine(config.name)), {signal: deps.signal, timeoutMs: 10_000}))
    deps.reporter.debug(`engine at ${url} answers: Docker ${version.version}`)
  } catch (error) {
    if (error instanceof EngineError && (error.reason === 'unreachable' || error.reason === 'timeout')) {
      deps.reporter.warn(`${error.message} The machine is registered; "berth env ${config.name}" works once the engine answers.`)
      return
    }
    throw error
  }
}

async function pemTexts(machine: ReturnType<MachineStore['layout']['machine']>): Promise<{ca: string; cert: string; key: string}> {
  const [ca, cert, key] = await Promise.all([machine.caCert, machine.clientCert, machine.clientKey].map((path) => readFile(path, 'utf8')))
  return {ca: ca!, cert: cert!, key: key!}
}

async function rollBack(name: string, definition: DriverDefinition, driver: Driver, deps: CreateDeps): Promise<void> {
  const quiet = new AbortController()
  try {
    const config = await deps.store.load(name)
    await driver.remove({signal: quiet.signal, progress: () => {}, record: async () => {}}, config.resources)
  } catch (error) {
    deps.reporter.warn(`Could not remove everything the ${definition.name} driver made for "${name}": ${errorMessage(error)}. Retry with "berth rm -f ${name}".`)
    return
  }
  await deps.store.remove(name)
}
