import {BerthError} from '../errors.js'
import {prose, run, type Prose} from '../fix.js'
import type {Reporter} from '../reporter.js'
import type {ExecResult, RemoteSession} from '../ssh/session.js'
import {shellQuote} from '../ssh/shell-quote.js'
import {readEngineBinary, runsOutdatedBinary, type EngineBinary} from './engine-binary.js'
import {gatherHostFacts} from './host-facts.js'
import {INIT_SYSTEMS, type InitSystem} from './init-systems.js'
import {detectOsFamily, type EnginePackages} from './os-families.js'
import {failureLine, upstreamVersion, type PackageVersions} from './package-managers.js'
import {outputLine, runAsRoot} from './remote-script.js'
import {DEFAULT_INSTALL_URL, NO_INSTALL} from './steps.js'
import {renderTemplate} from './templates.js'
import {PackageSourcesError} from './upgrade-error.js'

/** What an upgrade would change, as the question before it shows it. */
export type UpgradeChange =
  /** Packages with newer versions; `engine` when the engine's own package is one of them. */
  | {kind: 'packages'; manager: string; packages: PackageVersions[]; engine?: {from: string; to: string}}
  /** Nothing newer to install, but the running engine is older than its installed binary (replaced without a restart). */
  | {kind: 'restart'; from?: string; to?: string}
  /** The machine's own install script, run again: what it installs is only known once it ran. */
  | {kind: 'script'; url: string; from?: string}

/** What was found on the host: nothing newer, or a change and the script that makes it (none for a restart alone). */
type Finding = {newest: string} | {change: UpgradeChange; apply?: ScriptStep}

interface ScriptStep {
  title: string
  script: string
  /** The line of a failed run's output that says why. */
  failureLine(result: ExecResult): string | undefined
  hint: Prose
}

/** What an upgrade of the host's engine would change, found before anything changes; apply it with applyEngineUpgrade. */
interface EngineUpgrade {
  change: UpgradeChange
  machine: string
  init: InitSystem
  before: EngineBinary
  apply?: ScriptStep
}

/**
 * What is newer for the engine on the host, changing nothing: the package manager refreshes its index (a source it
 * cannot reach is an error, since berth then cannot tell) and compares installed and candidate versions. A machine
 * with its own install script cannot be asked what the script would install, so that is said instead.
 */
export async function findEngineUpgrade(session: RemoteSession, target: {machine: string; installUrl: string; running: string | undefined}, reporter: Reporter, signal: AbortSignal): Promise<{newest: string} | EngineUpgrade> {
  const {machine, installUrl, running} = target
  const facts = await gatherHostFacts(session, signal)
  const before = await readEngineBinary(session, signal)
  const finding = installUrl !== DEFAULT_INSTALL_URL && installUrl !== NO_INSTALL
    ? await scriptRun(machine, installUrl, running)
    : await findPackageChange(session, machine, detectOsFamily(facts.osRelease).packages, running, before, reporter, signal)
  if ('newest' in finding) return finding
  return {...finding, machine, init: facts.init, before}
}

/** Upgrade the packages (or run the script); the engine restarts only when it still runs the replaced binary. */
export async function applyEngineUpgrade(session: RemoteSession, upgrade: EngineUpgrade, reporter: Reporter, signal: AbortSignal): Promise<{restarted: boolean; binaryChanged: boolean}> {
  const {machine: name, apply, before} = upgrade
  if (apply !== undefined) {
    await reporter.step(apply.title, () => runAsRoot(session, apply.script, signal, {
      failure: (code, _line, result) => stepFailure(name, 'engine.upgrade', apply.title, {code, line: apply.failureLine(result)}, apply.hint),
      onLine: (line) => reporter.status(line),
    }))
  }
  const after = await readEngineBinary(session, signal)
  let restarted = after.pid !== before.pid
  if (runsOutdatedBinary(after)) {
    const title = `Restarting the engine of "${name}" to run its new binary`
    await reporter.step(title, async () => runAsRoot(session, await renderTemplate(INIT_SYSTEMS[upgrade.init].restartScript, {}), signal, {
      failure: (code, line) => stepFailure(name, 'engine.restart', title, {code, line}, prose`Run ${run('provision', name)} once the cause is fixed.`),
      onLine: (line) => reporter.status(line),
    }))
    restarted = true
  }
  return {restarted, binaryChanged: after.installed !== before.installed}
}

/** Refresh the package index, then compare what is installed with what the sources offer. */
async function findPackageChange(session: RemoteSession, name: string, packages: EnginePackages, running: string | undefined, binary: EngineBinary, reporter: Reporter, signal: AbortSignal): Promise<Finding> {
  const {manager} = packages
  await reporter.step(`Refreshing the package index of "${name}" (${manager.refresh})`, async () => {
    const failure = failureLine(manager, await packageCommand(session, manager.refresh, signal))
    if (failure !== undefined) throw new PackageSourcesError(name, manager, failure)
  })
  const all = [...packages.engine, ...packages.companions]
  const listed = await packageCommand(session, manager.versions(all), signal)
  if (listed.code !== 0) throw new BerthError(`Could not read the engine's package versions on "${name}" (${manager.name}, exit ${listed.code}): ${outputLine(listed) ?? ''}`, {code: 'upgrade-failed'})
  const versions = manager.parseVersions(listed.stdout, all)
  reporter.debug(`${name}: ${versions.map((entry) => `${entry.name} ${entry.installed} (candidate ${entry.candidate})`).join(', ') || 'no engine package installed'}`)
  const enginePackage = versions.find((entry) => packages.engine.includes(entry.name))
  if (enginePackage === undefined) {
    throw new BerthError(`No Docker engine package is installed on "${name}" (${manager.name} has none of ${packages.engine.join(', ')}): its engine came another way, so berth cannot upgrade it with the package manager.`, {
      code: 'engine-not-packaged',
      data: {machine: name, manager: manager.name, packages: packages.engine},
      fixes: [run('provision', name, ['--engine-install-url', 'URL']), run('upgrade', name)],
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
        hint: prose`Fix the cause on the host, then run ${run('upgrade', name)} again.`,
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
      hint: prose`Check that ${url} serves an install script that works on this host; change it with ${run('provision', name, ['--engine-install-url', 'URL'])}.`,
    },
  }
}

function packageCommand(session: RemoteSession, command: string, signal: AbortSignal): Promise<ExecResult> {
  return renderTemplate('provision/package-command.sh', {command}).then((script) => runAsRoot(session, script, signal, {check: false}))
}

function stepFailure(name: string, step: string, title: string, failed: {code: number; line: string | undefined}, hint: Prose): BerthError {
  return new BerthError(`Upgrading "${name}" failed at step "${step}" (${title}): exit ${failed.code}${failed.line ? `: ${failed.line}` : ''}`, {code: 'upgrade-failed', hint})
}
