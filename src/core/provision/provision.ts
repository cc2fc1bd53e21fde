import {errorMessage} from '../errors.js'
import type {Reporter} from '../reporter.js'
import type {RemoteSession} from '../ssh/session.js'
import {gatherHostFacts} from './host-facts.js'
import {detectOsFamily} from './os-families.js'
import {ProvisionError} from './provision-error.js'
import {ENGINE_STEPS, PROVISION_PLAN, type ProvisionContext, type ProvisionSpec} from './steps.js'
import {renderTemplate} from './templates.js'

export interface ProvisionReport {
  os: string
  applied: string[]
  skipped: string[]
}

/**
 * Bring a host to "its engine answers over TLS with berth's certificates". Each step first checks whether
 * it is already done, so running this again converges, and an interrupted run can simply be repeated.
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
  const ctx: ProvisionContext = {session, spec, facts, reporter, signal, engineChanged: false, directoriesReady: false}
  const report: ProvisionReport = {os, applied: [], skipped: []}
  for (const step of PROVISION_PLAN) {
    signal.throwIfAborted()
    if (await step.isSatisfied(ctx)) {
      reporter.debug(`${step.id}: already done`)
      report.skipped.push(step.id)
      continue
    }
    try {
      await reporter.step(step.title, () => step.apply(ctx))
      report.applied.push(step.id)
    } catch (error) {
      if (signal.aborted) throw error
      const log = ENGINE_STEPS.has(step.id) ? await engineLog(session, ctx) : undefined
      throw new ProvisionError(step.id, step.title, error, {machineName: spec.machineName, engineLog: log})
    }
  }
  return report
}

async function engineLog(session: RemoteSession, ctx: ProvisionContext): Promise<string | undefined> {
  try {
    const script = await renderTemplate(ctx.facts.init === 'systemd' ? 'provision/engine-log-journal.sh' : 'provision/engine-log-file.sh', {})
    return (await session.exec(script, {sudo: true})).stdout
  } catch (error) {
    return `(the log could not be read: ${errorMessage(error)})`
  }
}
