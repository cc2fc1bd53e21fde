import {errorMessage} from '../errors.js'
import type {Reporter} from '../reporter.js'
import type {RemoteSession} from '../ssh/session.js'
import {interpretEngine} from './engine-present.js'
import {describeUndo, type UndoReport} from './host-change.js'
import {gatherHostFacts} from './host-facts.js'
import {checkHostOwner} from './host-owner.js'
import {parseHostMarker} from './host-state.js'
import {INIT_SYSTEMS} from './init-systems.js'
import {detectOsFamily} from './os-families.js'
import {ProvisionError} from './provision-error.js'
import {runAsRoot} from './remote-script.js'
import {ENGINE_STEPS, PROVISION_PLAN, planEngine, type ProvisionContext, type ProvisionSpec} from './steps.js'
import {renderTemplate} from './templates.js'

interface ProvisionReport {
  os: string
  applied: string[]
  skipped: string[]
}

/**
 * Bring a host to "its engine answers over TLS with berth's certificates", leaving everything else of the engine's
 * configuration as it was. Before changing anything, the host is checked: another machine's host is refused unless
 * adopted, and berth's options are checked against how the engine is configured now. Each step first checks whether
 * it is already done, so running this again converges. When a step fails, every change of the run is undone and
 * the engine is back as it was (checked), and the error says so.
 */
export async function provisionHost(session: RemoteSession, spec: ProvisionSpec, reporter: Reporter, signal: AbortSignal): Promise<ProvisionReport> {
  const facts = await reporter.step('Detecting the operating system', async () => {
    try {
      return await gatherHostFacts(session, signal)
    } catch (error) {
      throw new ProvisionError('os.detect', 'Detecting the operating system', error, {machineName: spec.machineName})
    }
  })
  let os: string
  try {
    os = detectOsFamily(facts.osRelease).name
  } catch (error) {
    throw new ProvisionError('os.detect', 'Detecting the operating system', error, {machineName: spec.machineName})
  }
  reporter.debug(`host: ${facts.osRelease.PRETTY_NAME ?? facts.osRelease.ID ?? 'no /etc/os-release'} (${os}), init ${facts.init}, dockerd ${facts.dockerd ?? 'missing'}, running ${facts.dockerdRunning}${facts.newerThanEngine ? `, changed since it started: ${[...facts.newerThanEngine].join(' ')}` : ''}`)
  const marker = parseHostMarker(facts.engineConfig.marker)
  const ctx: ProvisionContext = {
    session, spec, facts, reporter, signal, engineChanged: false, directoriesReady: false, engineRestarted: false,
    present: interpretEngine(facts.engineConfig, facts.init, spec.takeOver === true),
    ...(marker === undefined ? {} : {marker}),
  }
  await reporter.step('Checking the engine\'s present configuration', async () => {
    try {
      await checkHostOwner(facts.engineConfig.marker, spec, reporter)
      if (facts.dockerd !== undefined) await planEngine(ctx)
    } catch (error) {
      throw new ProvisionError('host.check', 'Checking the engine\'s present configuration', error, {machineName: spec.machineName})
    }
  })
  const report: ProvisionReport = {os, applied: [], skipped: []}
  for (const step of PROVISION_PLAN) {
    try {
      signal.throwIfAborted()
      if (await step.isSatisfied(ctx)) {
        reporter.debug(`${step.id}: already done`)
        report.skipped.push(step.id)
        continue
      }
      await reporter.step(step.title, () => step.apply(ctx))
      report.applied.push(step.id)
    } catch (error) {
      const log = !signal.aborted && ENGINE_STEPS.has(step.id) ? await engineLog(session, ctx) : undefined
      const undo = await undoRun(ctx)
      if (signal.aborted && undo === undefined) throw error
      throw new ProvisionError(step.id, step.title, error, {machineName: spec.machineName, engineLog: log, ...(undo === undefined ? {} : {undo})})
    }
  }
  return report
}

/** Undo the run's changes, if it made any; what came of it in words, checked. */
async function undoRun(ctx: ProvisionContext): Promise<{text: string; report?: UndoReport} | undefined> {
  if (ctx.change === undefined) return undefined
  try {
    const report = await ctx.reporter.step('Undoing the changes on the host', () => ctx.change!.undo({engineRestarted: ctx.engineRestarted}))
    return {text: describeUndo(report), report}
  } catch (error) {
    return {text: `berth could not undo its changes on the host (${errorMessage(error)}); the first originals of the files it changed are kept in /var/lib/berth/originals there`}
  }
}

async function engineLog(session: RemoteSession, ctx: ProvisionContext): Promise<string | undefined> {
  try {
    const script = await renderTemplate(INIT_SYSTEMS[ctx.facts.init].logScript, {})
    return (await runAsRoot(session, script, undefined, {check: false})).stdout
  } catch (error) {
    return `(the log could not be read: ${errorMessage(error)})`
  }
}
