import type {EngineTls} from '../engine/engine-client.js'
import {BerthError, errorMessage} from '../errors.js'
import {endpointOf, machineTls, queryEngineVersion} from '../machine/engine-access.js'
import {refuseEngineManagedElsewhere} from '../machine/engine-ownership.js'
import {openMachine, type OpenMachine} from '../machine/open-machine.js'
import {operationContext} from '../machine/operation-context.js'
import {currentState, startMachine, type LifecycleDeps} from '../power/index.js'
import {provisionMachine} from '../provision-machine/index.js'
import {applyEngineUpgrade, findEngineUpgrade, type UpgradeChange} from '../provision/index.js'
import {containerReport, runningContainers, type ContainerReport, type RunningContainer} from './running-containers.js'

export type UpgradeOffer = UpgradeChange & {machine: string; containers: ContainerReport}

export interface UpgradeResult {
  /** newest: nothing newer, nothing done. unchanged: the install script ran and left the engine's binary as it was. */
  outcome: 'newest' | 'upgraded' | 'unchanged'
  /** The engine's version before, when known. */
  before?: string
  after: string
  /** Whether the engine restarted (berth restarted it, or a package or the script did). */
  restarted: boolean
  /** Containers that ran before the engine restarted and do not run now; undefined when the engine could not tell. */
  stopped?: RunningContainer[]
}

interface UpgradeOptions {
  startTimeoutMs: number
  /**
   * Asked before anything that may restart the engine. Resolving goes on; rejecting leaves the machine as it was,
   * and the upgrade fails with that error.
   */
  confirm(offer: UpgradeOffer): Promise<void>
}

const ENGINE_TIMEOUT_MS = 10_000

/**
 * Upgrade a provisioned machine's engine, restarting it only when something changed and the user agreed:
 * 1. a stopped machine is started (as Docker Machine did);
 * 2. what is newer is found first: the package manager refreshes its index (a source it cannot reach is an error,
 *    since berth then cannot tell) and compares installed and candidate versions. A machine with its own install
 *    script cannot be asked what the script would install, so that is said instead;
 * 3. nothing newer: nothing else happens. Otherwise confirm() is asked, with the running containers;
 * 4. the packages are upgraded (or the script run); the engine restarts only when it still runs the replaced binary;
 * 5. the provisioning plan rewrites any configuration a package replaced, and the engine is checked over TLS.
 */
export async function upgradeMachine(name: string, deps: LifecycleDeps, options: UpgradeOptions): Promise<UpgradeResult> {
  const {store, reporter, signal} = deps
  const machine = await ensureRunning(await openMachine(store.layout, deps.registry, await store.load(name), deps.env), deps, options.startTimeoutMs)
  const layout = store.layout.machine(name)
  const tls = await machineTls(layout)
  const url = endpointOf(machine.config).url
  const running = await queryEngineVersion(layout, machine.config, {signal, timeoutMs: ENGINE_TIMEOUT_MS}).then((version) => version.version, () => undefined)
  const session = await operationContext(deps, name, machine.driver).connectSsh()
  let applied: {containers: ContainerReport; restarted: boolean; binaryChanged: boolean; script: boolean}
  try {
    const upgrade = await findEngineUpgrade(session, {machine: name, installUrl: machine.config.engine.installUrl, running}, reporter, signal)
    if ('newest' in upgrade) return {outcome: 'newest', after: upgrade.newest, restarted: false}
    const {change} = upgrade
    const target = change.kind === 'packages' ? change.engine?.to : change.kind === 'restart' ? change.to : undefined
    const containers = await containerReport(url, tls, {from: running, to: target}, signal)
    await options.confirm({...change, machine: name, containers})
    applied = {containers, ...await applyEngineUpgrade(session, upgrade, reporter, signal), script: change.kind === 'script'}
  } finally {
    await session.close()
  }
  const config = await provisionMachine(name, deps, {renewServerCert: false})
  const after = (await queryEngineVersion(layout, config, {signal, timeoutMs: ENGINE_TIMEOUT_MS})).version
  const outcome = applied.script && !applied.binaryChanged && !applied.restarted ? 'unchanged' : 'upgraded'
  const stopped = applied.restarted ? await notRunningNow(applied.containers, endpointOf(config).url, tls, deps) : []
  return {outcome, ...(running === undefined ? {} : {before: running}), after, restarted: applied.restarted, ...(stopped === undefined ? {} : {stopped})}
}

/** The containers that ran before the engine restarted and do not run now. */
async function notRunningNow(before: ContainerReport, url: string, tls: EngineTls, deps: LifecycleDeps): Promise<RunningContainer[] | undefined> {
  if (before.unknown !== undefined) return undefined
  try {
    const now = new Set((await runningContainers(url, tls, deps.signal)).map((container) => container.id))
    return before.containers.filter((container) => !now.has(container.id))
  } catch (error) {
    deps.reporter.warn(`Could not list the containers running on the engine after its restart: ${errorMessage(error)}`)
    return undefined
  }
}

async function ensureRunning(machine: OpenMachine, deps: LifecycleDeps, startTimeoutMs: number): Promise<OpenMachine> {
  const {config, definition} = machine
  if (!definition.capabilities.provisions) {
    throw new BerthError(`Machine "${config.name}" uses the ${definition.name} driver: berth does not manage its engine, so it cannot upgrade it.`, {code: 'upgrade-failed'})
  }
  refuseEngineManagedElsewhere(config.name, machine.driver)
  const state = await currentState(machine, deps.signal)
  if (state === 'Running') return machine
  if (machine.driver.start === undefined) {
    throw new BerthError(`Machine "${config.name}" is not running (${state}), and the ${definition.name} driver cannot start it.`, {code: 'upgrade-failed', hint: 'Start the host, then run the upgrade again.'})
  }
  await startMachine(machine, deps, {timeoutMs: startTimeoutMs, autoRegenerate: true})
  return openMachine(deps.store.layout, deps.registry, await deps.store.load(config.name), deps.env)
}

