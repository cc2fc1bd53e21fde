import {checkGivenCertificateFiles, ensureStoreCertificates, installClientCertificates} from '../certs/store-certificates.js'
import {keepTypedSecrets} from '../driver-registry/credentials.js'
import {driverSetup} from '../driver-registry/driver-setup.js'
import {withFlagDefaults} from '../driver-registry/flag-defaults.js'
import type {Driver, DriverDefinition, FlagValues, OperationContext} from '../../driver-kit/contract.js'
import {EngineError} from '../engine/engine-error.js'
import {BerthError, MachineExistsError, PreCreateCheckError, errorMessage} from '../errors.js'
import {prose, run} from '../fix.js'
import {validateMachineName} from '../machine-name.js'
import {checkRegisteredEngine, isTcpUrl, machineTls} from '../machine/engine-access.js'
import {writeMachineContext} from '../machine/machine-context.js'
import {changingMachine} from '../machine/machine-lock.js'
import {DEFAULT_SSH_TIMEOUT_MS} from '../machine/machine-ssh.js'
import {operationContext} from '../machine/operation-context.js'
import {waitForState} from '../machine/wait-for-state.js'
import {provisionMachine, type ProvisionDeps} from '../provision-machine/index.js'
import {silentReporter} from '../reporter.js'
import {quoteValue} from '../safe-text.js'
import {CONFIG_VERSION, type EngineOptions, type MachineConfig} from '../store/schema.js'
import {readStoreIdentity} from '../store/store-identity.js'

interface CreateRequest {
  name: string
  driver: string
  driverFlags: FlagValues
  engine: EngineOptions
  /** Extra names and addresses for the server certificate. */
  sans: string[]
  /** Leave what was made in place when creation fails, for inspection. */
  keepOnFailure: boolean
  /** Take over a host whose engine another berth machine manages. */
  forceAdopt?: boolean
}

type CreateDeps = ProvisionDeps

/**
 * Make a machine: everything that can be checked is checked before anything is written, the machine's
 * directory is then reserved, the driver makes the host (recording each resource as it appears), and
 * the client side is set up. A failure removes whatever was made, unless keepOnFailure.
 */
export async function createMachine(request: CreateRequest, deps: CreateDeps): Promise<MachineConfig> {
  const {store, reporter} = deps
  validateMachineName(request.name)
  if (await store.exists(request.name)) throw new MachineExistsError(request.name)
  // A user's own docker context of this name, another store's live machine's, or a docker configuration berth cannot
  // write to, would block the last step: refuse before anything is made. A stale context is replaced at that step.
  await deps.contexts.checkUsable()
  await deps.contexts.checkWritable(request.name, {path: store.layout.root, id: await readStoreIdentity(store.layout.root)})
  await checkGivenCertificateFiles(store.layout, deps.certificates)
  const definition = await deps.registry.get(request.driver)
  const driver = definition.fromFlags(withFlagDefaults(definition.flags, request.driverFlags), driverSetup(store.layout, request.name, deps.env, definition, request.engine.port))
  const operation = operationContext(deps, request.name, driver)

  await reporter.step('Running pre-create checks', async () => {
    try {
      await driver.preCreateCheck(operation)
    } catch (error) {
      throw new PreCreateCheckError(error instanceof BerthError ? error.message : `Pre-create check failed: ${errorMessage(error)}`, error)
    }
  })
  await ensureStoreCertificates(store.layout, deps.certificates, {
    signal: deps.signal,
    onCreate: (what, path) => reporter.info(`Creating ${what}: ${path}`),
  })

  // The checks above write nothing of the machine's. From the reservation of its name to its docker context the
  // machine's lock is held: an rm of the same name waits for all of it, or goes first and finds no machine.
  return changingMachine(deps, request.name, () => makeMachine(request, deps, definition, driver, operation), {creating: true})
}

/** Reserve the name, have the driver make the host, provision it or register its engine, and write the context. */
async function makeMachine(request: CreateRequest, deps: CreateDeps, definition: DriverDefinition, driver: Driver, operation: OperationContext): Promise<MachineConfig> {
  const {store, reporter} = deps
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
    await keepTypedSecrets(store.layout.machine(request.name), definition.flags, request.driverFlags, deps.env)
    // A driver that takes a host that runs already (generic, none) makes nothing: its create only keeps what it read
    // (generic's copy of the key), which is no step to show.
    if (definition.capabilities.existingHost === true) await driver.create(operation)
    else await reporter.step('Creating machine', () => driver.create(operation))
    await store.update(request.name, (current) => ({...current, driver: {name: definition.name, state: driver.toState()}}))
    if (definition.capabilities.provisions) {
      // A host that exists already is not waited on: connecting to it over SSH is the check, and its answer is final.
      const booting = definition.capabilities.existingHost !== true
      if (booting) {
        await reporter.step('Waiting for the machine to run', () => waitForState(driver, 'Running', request.name, {
          timeoutMs: deps.sshTimeoutMs ?? DEFAULT_SSH_TIMEOUT_MS,
          signal: deps.signal,
          onState: (state) => reporter.status(`The ${definition.name} driver reports it ${state}.`),
        }))
      }
      return await provisionMachine(request.name, {...deps, hostMayBeBooting: booting}, {renewServerCert: false, forceAdopt: request.forceAdopt === true})
    }
    const [address, url] = await Promise.all([driver.address(deps.signal), driver.dockerUrl(deps.signal)])
    const config = await store.update(request.name, (current) => ({...current, endpoint: {address, url}}))
    await installClientCertificates(deps.certificates, store.layout.machine(request.name))
    if (!isTcpUrl(url)) {
      reporter.warn(`The URL ${quoteValue(url)} is not a tcp:// URL: "${request.name}" is registered as a placeholder, with no docker context, and berth never connects to it.`)
      return config
    }
    await verifyRegisteredEngine(config, deps)
    await writeMachineContext(deps.contexts, store.layout, request.name, url, reporter)
    return config
  } catch (error) {
    if (request.keepOnFailure) {
      reporter.warn(prose`Creation failed; "${request.name}" was kept as it is (--keep-on-failure). Finish it with ${run('provision', request.name)} once the cause is fixed, or remove it with ${run('rm', request.name)}.`)
      throw error
    }
    if (!(await rollBack(request.name, definition, driver, deps))) throw error
    reporter.info(`Creation ${deps.signal.aborted ? 'stopped' : 'failed'}; everything made for "${request.name}" was removed (--keep-on-failure keeps it for inspection).`)
    throw withoutMachineHint(error, request.name)
  }
}

/**
 * After a roll-back the machine no longer exists, so a hint that sends the user to a command on it ("berth
 * provision NAME") would fail: the error becomes one whose wording makes it one to create the machine again.
 */
function withoutMachineHint(error: unknown, name: string): unknown {
  if (!(error instanceof BerthError)) return error
  return new BerthError(error.message, {code: 'creation-rolled-back', data: {machine: name}, exitCode: error.exitCode, cause: error})
}

/**
 * An engine berth only registers must already trust berth's CA. A reachable engine that does not is an
 * error now rather than a broken `env` later; one that cannot be reached yet is registered with a warning.
 */
async function verifyRegisteredEngine(config: MachineConfig, deps: CreateDeps): Promise<void> {
  const url = config.endpoint!.url
  try {
    const machine = deps.store.layout.machine(config.name)
    const version = await deps.reporter.step('Checking the engine over TLS', async () => checkRegisteredEngine(machine, url, await machineTls(machine), {signal: deps.signal, timeoutMs: 10_000}))
    deps.reporter.debug(`engine at ${url} answers: Docker ${version.version}`)
  } catch (error) {
    if (error instanceof EngineError && (error.reason === 'unreachable' || error.reason === 'timeout')) {
      deps.reporter.warn(prose`${error.message} The machine is registered; ${run('env', config.name)} works once the engine answers.`)
      return
    }
    throw error
  }
}

/** Remove what the driver made and forget the machine; false (with a warning) when something could not be removed. */
async function rollBack(name: string, definition: DriverDefinition, driver: Driver, deps: CreateDeps): Promise<boolean> {
  // The create's own signal may be aborted (Ctrl-C): the clean-up gets its own.
  const cleanup = {...deps, signal: new AbortController().signal, reporter: silentReporter}
  try {
    const config = await deps.store.load(name)
    await driver.remove(operationContext(cleanup, name, driver), config.resources)
  } catch (error) {
    deps.reporter.warn(prose`Could not remove everything the ${definition.name} driver made for "${name}": ${errorMessage(error)}. The machine is kept with its record of them; retry with ${run('rm', name)} once the cause is fixed.`)
    return false
  }
  await deps.store.remove(name)
  return true
}
