import {BerthError} from '../errors.js'
import {gatherHostFacts, lastLine} from '../provision/host-facts.js'
import {detectOsFamily, type OsFamily} from '../provision/os-families.js'
import {DEFAULT_INSTALL_URL, NO_INSTALL} from '../provision/steps.js'
import {renderTemplate} from '../provision/templates.js'
import type {RemoteSession} from '../ssh/session.js'
import {shellQuote} from '../ssh/shell-quote.js'
import {queryEngineVersion} from './engine-access.js'
import {openMachine, type OpenMachine} from './open-machine.js'
import {operationContext} from './operation-context.js'
import {currentState, startMachine, type LifecycleDeps} from './power.js'
import {provisionMachine} from './provision-machine.js'

export interface UpgradeResult {
  /** The engine's version before, when it answered. */
  before?: string
  after: string
  /** The first line the upgrade printed on stderr: when nothing changed, often the reason (a repository it could not reach). */
  note?: string
}

interface UpgradePlan {
  title: string
  script: string
  hint: string
}

/**
 * Upgrade a provisioned machine's engine: with the distribution's package manager, or, when the machine was created
 * with its own install script (--engine-install-url), by running that script again. Then the engine restarts, the
 * provisioning plan checks that berth's configuration survived (a package may replace a config file), and the
 * engine is asked over TLS. A stopped machine is started first, as Docker Machine did.
 */
export async function upgradeMachine(name: string, deps: LifecycleDeps, options: {startTimeoutMs: number}): Promise<UpgradeResult> {
  const {store, reporter, signal} = deps
  const machine = await ensureRunning(await openMachine(store.layout, deps.registry, await store.load(name), deps.env), deps, options.startTimeoutMs)
  const layout = store.layout.machine(name)
  const before = await queryEngineVersion(layout, await store.load(name), {signal, timeoutMs: 10_000}).then((version) => version.version, () => undefined)
  const session = await operationContext(deps, name, machine.driver).connectSsh()
  let note: string | undefined
  try {
    const facts = await gatherHostFacts(session, signal)
    const plan = await upgradePlan(name, machine.config.engine.installUrl, detectOsFamily(facts.osRelease))
    const upgraded = await reporter.step(plan.title, () => runAsRoot(session, plan.script, signal))
    if (upgraded.code !== 0) throw stepFailure(name, 'engine.upgrade', plan.title, upgraded, plan.hint)
    note = upgraded.stderr.trim().split('\n')[0] || undefined
    const restartTitle = `Restarting the engine of "${name}"`
    const restarted = await reporter.step(restartTitle, async () => runAsRoot(session, await renderTemplate(`provision/restart-engine-${facts.init}.sh`, {}), signal))
    if (restarted.code !== 0) throw stepFailure(name, 'engine.restart', restartTitle, restarted, `Run "berth provision ${name}" once the cause is fixed.`)
  } finally {
    await session.close()
  }
  const config = await provisionMachine(name, deps, {renewServerCert: false})
  const after = (await queryEngineVersion(layout, config, {signal, timeoutMs: 10_000})).version
  return {...(before === undefined ? {} : {before}), after, ...(note === undefined ? {} : {note})}
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

/** A machine that installed its engine with its own script upgrades by running it again; the rest use their packages. */
async function upgradePlan(name: string, installUrl: string, family: OsFamily): Promise<UpgradePlan> {
  if (installUrl !== DEFAULT_INSTALL_URL && installUrl !== NO_INSTALL) {
    return {
      title: `Running the install script ${installUrl} on "${name}"`,
      script: await renderTemplate('provision/install-engine-script.sh', {url: shellQuote(installUrl)}),
      hint: `Check that ${installUrl} serves an install script that works on this host; change it with "berth provision --engine-install-url URL ${name}".`,
    }
  }
  return {
    title: `Upgrading the engine of "${name}" with the ${family.name} packages`,
    script: await renderTemplate('provision/upgrade-engine-package.sh', {upgradeCommand: family.packageUpgrade}),
    hint: `Fix the host's package sources, or give the machine an install script with "berth provision --engine-install-url URL ${name}".`,
  }
}

function runAsRoot(session: RemoteSession, script: string, signal: AbortSignal): ReturnType<RemoteSession['exec']> {
  return session.exec(script, {sudo: true, signal})
}

function stepFailure(name: string, step: string, title: string, result: {code: number; stdout: string; stderr: string}, hint: string): BerthError {
  const output = lastLine(result.stderr) || lastLine(result.stdout)
  return new BerthError(`Upgrading "${name}" failed at step "${step}" (${title}): exit ${result.code}${output ? `: ${output}` : ''}`, {hint})
}
