import {BerthError, errorMessage} from '../errors.js'
import {ENGINE_CONFIG_PATH, REMOTE_TLS} from '../provision/engine-config.js'
import {gatherHostFacts, lastLine} from '../provision/host-facts.js'
import {renderTemplate} from '../provision/templates.js'
import type {RemoteSession} from '../ssh/session.js'
import {shellQuote} from '../ssh/shell-quote.js'
import type {OpenMachine} from './open-machine.js'
import {operationContext, type OperationDeps} from './operation-context.js'

/** The host should be up when its machine is removed: no long wait for a boot, as create and start allow. */
const CLEAN_SSH_TIMEOUT_MS = 30_000

/**
 * rm --clean-host: before berth forgets a machine it provisioned, take back what it configured on the host (the
 * engine's config file, the TLS files) and restart the engine, which then listens on its unix socket only. When
 * the host cannot be cleaned, the removal stops, unless forced: then it goes on with a warning.
 */
export async function cleanHostForRemoval(machine: OpenMachine, deps: OperationDeps, options: {force: boolean}): Promise<void> {
  const {config, definition} = machine
  if (!definition.capabilities.provisions) {
    deps.reporter.info(`berth did not configure the engine of "${config.name}" (${definition.name} driver); --clean-host leaves that host as it is.`)
    return
  }
  try {
    await deps.reporter.step(`Removing berth's engine configuration from "${config.name}"`, () => cleanHost(machine, deps))
  } catch (error) {
    if (deps.signal.aborted) throw error
    if (!options.force) {
      throw new BerthError(`Cannot clean the host of "${config.name}": ${errorMessage(error)}`, {
        hint: `Nothing was removed. Retry when the host is reachable, or run "berth rm -f ${config.name}" to remove berth's state alone.`,
        cause: error,
      })
    }
    deps.reporter.warn(`The host of "${config.name}" keeps berth's engine configuration: ${errorMessage(error)}`)
  }
}

async function cleanHost(machine: OpenMachine, deps: OperationDeps): Promise<void> {
  const {name} = machine.config
  const session = await operationContext({...deps, sshTimeoutMs: CLEAN_SSH_TIMEOUT_MS}, name, machine.driver).connectSsh()
  try {
    const facts = await gatherHostFacts(session, deps.signal)
    const removed = await runAsRoot(session, await renderTemplate('provision/clean-host.sh', {
      configFile: shellQuote(ENGINE_CONFIG_PATH[facts.init]),
      tlsFiles: Object.values(REMOTE_TLS).map(shellQuote).join(' '),
    }), deps.signal)
    deps.reporter.debug(`${name}: ${removed.trim().split('\n').filter(Boolean).join(', ') || 'nothing of berth\'s was left on the host'}`)
    // No engine, nothing to restart; otherwise the restart is what closes the TCP port. systemd needs its socket unit
    // restarted too (see the template); the other init systems restart as provisioning does.
    const restart = facts.init === 'systemd' ? 'provision/clean-host-restart-systemd.sh' : `provision/restart-engine-${facts.init}.sh`
    if (facts.dockerd !== undefined) await runAsRoot(session, await renderTemplate(restart, {}), deps.signal)
  } finally {
    await session.close()
  }
}

async function runAsRoot(session: RemoteSession, script: string, signal: AbortSignal): Promise<string> {
  const result = await session.exec(script, {sudo: true, signal})
  if (result.code !== 0) throw new BerthError(`exit ${result.code}: ${lastLine(result.stderr) || lastLine(result.stdout)}`)
  return result.stdout
}
