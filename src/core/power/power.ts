import type {MachineState, OperationContext} from '../../driver-kit/contract.js'
import {BerthError, TimeoutError, errorMessage} from '../errors.js'
import {run} from '../fix.js'
import {endpointOf, machineTls, queryEngineVersion} from '../machine/engine-access.js'
import {openMachineSsh} from '../machine/machine-ssh.js'
import type {OpenMachine} from '../machine/open-machine.js'
import {operationContext} from '../machine/operation-context.js'
import {waitForEngine} from '../machine/wait-for-engine.js'
import {waitForState} from '../machine/wait-for-state.js'
import type {ProvisionDeps} from '../provision-machine/index.js'
import {followAddressChange, type AddressChange} from './address-change.js'
import {Deadline} from './deadline.js'
import {requireLifecycle} from './lifecycle-support.js'
import type {SerialGate} from './serial-gate.js'

export const DEFAULT_LIFECYCLE_TIMEOUT_MS = 120_000

export interface LifecycleDeps extends ProvisionDeps {
  /** Shared by the machines of one command, so a driver that declares serialOperations gets one call at a time. */
  gate: SerialGate
}

export interface LifecycleOptions {
  /** How long the waits for one machine may take in all (state, reboot, SSH, engine): --timeout. */
  timeoutMs: number
  /** When the host comes back with a new address, issue and install a server certificate for it. */
  autoRegenerate: boolean
}

export interface LifecycleOutcome {
  /** False when the machine already was in the wanted state, and nothing was done. */
  changed: boolean
  /** Set when the host came back at another address than the stored one. */
  addressChange?: AddressChange
}

/** Start a machine and wait until it runs, sits at the address berth knows, and its engine answers. */
export async function startMachine(machine: OpenMachine, deps: LifecycleDeps, options: LifecycleOptions): Promise<LifecycleOutcome> {
  const start = requireLifecycle(machine, 'start')
  if (await currentState(machine, deps.signal) === 'Running') return {changed: false}
  const deadline = new Deadline(options.timeoutMs)
  await callDriver(machine, deps, `Starting "${machine.config.name}"`, start)
  return {changed: true, ...(await comeUp(machine, deps, options, deadline))}
}

/** Stop (gracefully) or kill (power off) a machine and wait until the driver reports it stopped. */
export async function stopMachine(machine: OpenMachine, how: 'stop' | 'kill', deps: LifecycleDeps, options: LifecycleOptions): Promise<LifecycleOutcome> {
  const stopOrKill = requireLifecycle(machine, how)
  const {name} = machine.config
  if (await currentState(machine, deps.signal) === 'Stopped') return {changed: false}
  await callDriver(machine, deps, how === 'stop' ? `Stopping "${name}"` : `Killing "${name}"`, stopOrKill)
  await deps.reporter.step(`Waiting for "${name}" to stop`, () => waitForState(machine.driver, 'Stopped', name, {timeoutMs: options.timeoutMs, signal: deps.signal, onState: (state) => deps.reporter.status(`The ${machine.definition.name} driver reports it ${state}.`)}))
  return {changed: true}
}

/** The driver's state, with a host that is gone turned into an error that says what to do. */
export async function currentState(machine: OpenMachine, signal: AbortSignal): Promise<MachineState> {
  const state = await machine.driver.state(signal)
  if (state === 'NotFound') {
    throw new BerthError(`The host of machine "${machine.config.name}" no longer exists (the ${machine.definition.name} driver cannot find it).`, {code: 'host-gone', data: {machine: machine.config.name, driver: machine.definition.name}, fixes: [run('rm', machine.config.name)]})
  }
  return state
}

/** One driver call as a reported step, one at a time per driver when the driver asks for that. */
export function callDriver(machine: OpenMachine, deps: LifecycleDeps, title: string, call: (ctx: OperationContext) => Promise<void>): Promise<void> {
  const ctx = operationContext(deps, machine.config.name, machine.driver)
  const work = (): Promise<void> => call(ctx)
  return deps.reporter.step(title, () => machine.definition.capabilities.serialOperations ? deps.gate.run(machine.definition.name, work) : work())
}

/**
 * After the driver started a host: it runs, its address is checked against the stored one (a move re-issues the
 * server certificate unless opted out), and the engine answers over TLS, all within the operation's deadline.
 */
export async function comeUp(machine: OpenMachine, deps: LifecycleDeps, options: LifecycleOptions, deadline: Deadline): Promise<{addressChange?: AddressChange}> {
  const {name} = machine.config
  await deps.reporter.step(`Waiting for "${name}" to run`, async () => {
    try {
      await waitForState(machine.driver, 'Running', name, {timeoutMs: deadline.remainingMs(), signal: deps.signal, onState: (state) => deps.reporter.status(`The ${machine.definition.name} driver reports it ${state}.`)})
    } catch (error) {
      throw error instanceof TimeoutError ? await withSshCause(machine, deps, error) : error
    }
  })
  // Just started or rebooted: SSH may not be up yet.
  const change = await followAddressChange(machine, {...deps, sshTimeoutMs: deadline.remainingMs(), hostMayBeBooting: true}, {autoRegenerate: options.autoRegenerate})
  const result = change === undefined ? {} : {addressChange: change}
  // Provisioning already checked the engine; an engine whose certificate does not cover its new address cannot be checked.
  if (change !== undefined && (change.regenerated || machine.definition.capabilities.provisions)) return result
  if (machine.definition.capabilities.provisions) await waitForProvisionedEngine(machine, deps, deadline)
  else await checkRegisteredEngine(machine, deps)
  return result
}

const CAUSE_PROBE_MS = 5_000

/**
 * The state of a host that exists already (generic) is only whether its SSH port answers, so a wait for it that timed
 * out says no more than "still Stopped": one SSH attempt then says why (refused, no route, a timeout).
 */
async function withSshCause(machine: OpenMachine, deps: LifecycleDeps, timedOut: TimeoutError): Promise<TimeoutError> {
  if (machine.definition.capabilities.existingHost !== true) return timedOut
  const endpoint = await machine.driver.sshEndpoint(deps.signal)
  if (endpoint === undefined) return timedOut
  try {
    const session = await openMachineSsh(deps.store.layout.machine(machine.config.name), endpoint, {timeoutMs: CAUSE_PROBE_MS, signal: deps.signal, mayBeBooting: false, settingFlags: machine.definition.sshSettingFlags})
    await session.close()
    return timedOut
  } catch (error) {
    if (deps.signal.aborted) throw error
    return new TimeoutError(`${timedOut.message.replace(/\.$/, ':')} ${errorMessage(error)}`, {...timedOut.kind, hintFromCause: true, cause: error})
  }
}

/** berth configured this engine to start with the host: wait for it to answer, until the deadline. */
async function waitForProvisionedEngine(machine: OpenMachine, deps: LifecycleDeps, deadline: Deadline): Promise<void> {
  const {name} = machine.config
  const config = await deps.store.load(name)
  const {url} = endpointOf(config)
  const tls = await machineTls(deps.store.layout.machine(name))
  try {
    const version = await deps.reporter.step(`Waiting for the engine of "${name}"`, () => waitForEngine(url, tls, {timeoutMs: deadline.remainingMs(), signal: deps.signal, onRetry: (error) => deps.reporter.status(`${errorMessage(error)} Trying again.`)}))
    deps.reporter.debug(`engine at ${url}: Docker ${version.version}`)
  } catch (error) {
    if (!(error instanceof TimeoutError)) throw error
    throw new TimeoutError(`Machine "${name}" runs, but ${error.message}`, {code: 'engine-not-answering', data: {machine: name}, fixes: [run('provision', name)], cause: error})
  }
}

/** An engine berth only registered is not berth's to wait for: one check, and a warning if it does not answer. */
async function checkRegisteredEngine(machine: OpenMachine, deps: LifecycleDeps): Promise<void> {
  const {name} = machine.config
  try {
    const config = await deps.store.load(name)
    await queryEngineVersion(deps.store.layout.machine(name), config, {signal: deps.signal, timeoutMs: 10_000})
  } catch (error) {
    deps.reporter.warn(`Machine "${name}" runs, but its engine does not answer yet: ${errorMessage(error)}`)
  }
}
