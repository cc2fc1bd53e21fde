import type {EngineTls} from '../engine/engine-client.js'
import {BerthError, errorMessage} from '../errors.js'
import {gatherHostFacts} from '../provision/host-facts.js'
import {detectOsFamily, type EnginePackages} from '../provision/os-families.js'
import {failureLine, upstreamVersion, type PackageVersions} from '../provision/package-managers.js'
import {INIT_SYSTEMS} from '../provision/init-systems.js'
import {outputLine, runAsRoot} from '../provision/remote-script.js'
import {DEFAULT_INSTALL_URL, NO_INSTALL} from '../provision/steps.js'
import {renderTemplate} from '../provision/templates.js'
import type {ExecResult, RemoteSession} from '../ssh/session.js'
import {shellQuote} from '../ssh/shell-quote.js'
import {endpointOf, machineTls, queryEngineVersion} from './engine-access.js'
import {readEngineBinary, runsOutdatedBinary, type EngineBinary} from './engine-binary.js'
import {openMachine, type OpenMachine} from './open-machine.js'
import {operationContext} from './operation-context.js'
import {currentState, startMachine, type LifecycleDeps} from './power.js'
import {provisionMachine} from './provision-machine.js'
import {containerReport, runningContainers, type ContainerReport, type RunningContainer} from './running-containers.js'
import {PackageSourcesError} from './upgrade-error.js'

/** What an upgrade would change, as the question before it shows it. */
export type UpgradeChange =
  /** Packages with newer versions; `engine` when the engine's own package is one of them. */
  | {kind: 'packages'; manager: string; packages: PackageVersions[]; engine?: {from: string; to: string}}
  /** Nothing newer to install, but the running engine is older than its installed binary (replaced without a restart). */
  | {kind: 'restart'; from?: string; to?: string}
  /** The machine's own install script, run again: what it installs is only known once it ran. */
  | {kind: 'script'; url: string; from?: string}

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

export interface UpgradeOptions {
  startTimeoutMs: number
  /**
   * Asked before anything that may restart the engine. Resolving goes on; rejecting leaves the machine as it was,
   * and the upgrade fails with that error.
   */
  confirm(offer: UpgradeOffer): Promise<void>
}

/** What was found on the host: nothing newer, or a change and the script that makes it (none for a restart alone). */
type Finding = {newest: string} | {change: UpgradeChange; apply?: ScriptStep}

interface ScriptStep {
  title: string
  script: string
  /** The line of a failed run's output that says why. */
  failureLine(result: ExecResult): string | undefined
  hint: string
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
    const facts = await gatherHostFacts(session, signal)
    const before = await readEngineBinary(session, signal)
    const installUrl = machine.config.engine.installUrl
    const finding = installUrl !== DEFAULT_INSTALL_URL && installUrl !== NO_INSTALL
      ? await scriptRun(name, installUrl, running)
      : await findPackageChange(session, name, detectOsFamily(facts.osRelease).packages, running, before, deps)
    if ('newest' in finding) return {outcome: 'newest', after: finding.newest, restarted: false}
    const {change, apply} = finding
    const target = change.kind === 'packages' ? change.engine?.to : change.kind === 'restart' ? change.to : undefined
    const containers = await containerReport(url, tls, {from: running, to: target}, signal)
    await options.confirm({...change, machine: name, containers})
    if (apply !== undefined) {
      await reporter.step(apply.title, () => runAsRoot(session, apply.script, signal, {
        failure: (code, _line, result) => stepFailure(name, 'engine.upgrade', apply.title, {code, line: apply.failureLine(result)}, apply.hint),
      }))
    }
    const after = await readEngineBinary(session, signal)
    let restarted = after.pid !== before.pid
    if (runsOutdatedBinary(after)) {
      const title = `Restarting the engine of "${name}" to run its new binary`
      await reporter.step(title, async () => runAsRoot(session, await renderTemplate(INIT_SYSTEMS[facts.init].restartScript, {}), signal, {
        failure: (code, line) => stepFailure(name, 'engine.restart', title, {code, line}, `Run "berth provision ${name}" once the cause is fixed.`),
      }))
      restarted = true
    }
    applied = {containers, restarted, binaryChanged: after.installed !== before.installed, script: change.kind === 'script'}
  } finally {
    await session.close()
  }
  const config = await provisionMachine(name, deps, {renewServerCert: false})
  const after = (await queryEngineVersion(layout, config, {signal, timeoutMs: ENGINE_TIMEOUT_MS})).version
  const outcome = applied.script && !applied.binaryChanged && !applied.restarted ? 'unchanged' : 'upgraded'
  const stopped = applied.restarted ? await notRunningNow(applied.containers, endpointOf(config).url, tls, deps) : []
  return {outcome, ...(running === undefined ? {} : {before: running}), after, restarted: applied.restarted, ...(stopped === undefined ? {} : {stopped})}
}

/** Refresh the package index, then compare what is installed with what the sources offer. */
async function findPackageChange(session: RemoteSession, name: string, packages: EnginePackages, running: string | undefined, binary: EngineBinary, deps: LifecycleDeps): Promise<Finding> {
  const {manager} = packages
  const {reporter, signal} = deps
  await reporter.step(`Refreshing the package index of "${name}" (${manager.refresh})`, async () => {
    const failure = failureLine(manager, await packageCommand(session, manager.refresh, signal))
    if (failure !== undefined) throw new PackageSourcesError(name, manager, failure)
  })
  const all = [...packages.engine, ...packages.companions]
  const listed = await packageCommand(session, manager.versions(all), signal)
  if (listed.code !== 0) throw new BerthError(`Could not read the engine's package versions on "${name}" (${manager.name}, exit ${listed.code}): ${outputLine(listed) ?? ''}`)
  const versions = manager.parseVersions(listed.stdout, all)
  reporter.debug(`${name}: ${versions.map((entry) => `${entry.name} ${entry.installed} (candidate ${entry.candidate})`).join(', ') || 'no engine package installed'}`)
  const enginePackage = versions.find((entry) => packages.engine.includes(entry.name))
  if (enginePackage === undefined) {
    throw new BerthError(`No Docker engine package is installed on "${name}" (${manager.name} has none of ${packages.engine.join(', ')}): its engine came another way, so berth cannot upgrade it with the package manager.`, {
      hint: `Give the machine an install script that upgrades it with "berth provision --engine-install-url URL ${name}", then run "berth upgrade ${name}".`,
    })
  }
  const newer = versions.filter((entry) => entry.candidate !== entry.installed)
  const from = upstreamVersion(enginePackage.installed)
  if (newer.length > 0) {
    const names = newer.map((entry) => entry.name)
    const engine = newer.includes(enginePackage) ? {engine: {from, to: upstreamVersion(enginePackage.candidate)}} : {}
    return {
      change: {kind: 'packages', manager: manager.name, packages: newer, ...engine},
      apply: {
        title: `Upgrading ${names.join(', ')} on "${name}" with ${manager.name}`,
        script: await renderTemplate('provision/upgrade-engine-package.sh', {upgradeCommand: manager.upgrade(names)}),
        failureLine: (result) => failureLine(manager, result),
        hint: `Fix the cause on the host, then run "berth upgrade ${name}" again.`,
      },
    }
  }
  if (runsOutdatedBinary(binary)) return {change: {kind: 'restart', ...(running === undefined ? {} : {from: running}), ...(binary.installedVersion === undefined ? {} : {to: binary.installedVersion})}}
  return {newest: from}
}

/** A machine with its own install script runs it again; berth cannot know beforehand what it installs. */
async function scriptRun(name: string, url: string, running: string | undefined): Promise<Finding> {
  return {
    change: {kind: 'script', url, ...(running === undefined ? {} : {from: running})},
    apply: {
      title: `Running the install script ${url} on "${name}"`,
      script: await renderTemplate('provision/install-engine-script.sh', {url: shellQuote(url)}),
      failureLine: outputLine,
      hint: `Check that ${url} serves an install script that works on this host; change it with "berth provision --engine-install-url URL ${name}".`,
    },
  }
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

function packageCommand(session: RemoteSession, command: string, signal: AbortSignal): Promise<ExecResult> {
  return renderTemplate('provision/package-command.sh', {command}).then((script) => runAsRoot(session, script, signal, {check: false}))
}

async function ensureRunning(machine: OpenMachine, deps: LifecycleDeps, startTimeoutMs: number): Promise<OpenMachine> {
  const {config, definition} = machine
  if (!definition.capabilities.provisions) {
    throw new BerthError(`Machine "${config.name}" uses the ${definition.name} driver: berth does not manage its engine, so it cannot upgrade it.`)
  }
  const state = await currentState(machine, deps.signal)
  if (state === 'Running') return machine
  if (!definition.capabilities.lifecycle.start) {
    throw new BerthError(`Machine "${config.name}" is not running (${state}), and the ${definition.name} driver cannot start it.`, {hint: 'Start the host, then run the upgrade again.'})
  }
  await startMachine(machine, deps, {timeoutMs: startTimeoutMs, autoRegenerate: true})
  return openMachine(deps.store.layout, deps.registry, await deps.store.load(config.name), deps.env)
}

function stepFailure(name: string, step: string, title: string, failed: {code: number; line: string | undefined}, hint: string): BerthError {
  return new BerthError(`Upgrading "${name}" failed at step "${step}" (${title}): exit ${failed.code}${failed.line ? `: ${failed.line}` : ''}`, {hint})
}
