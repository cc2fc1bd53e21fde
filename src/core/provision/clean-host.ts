import type {Reporter} from '../reporter.js'
import type {RemoteSession} from '../ssh/session.js'
import {gatherHostFacts} from './host-facts.js'
import {restoreHost} from './host-restore.js'
import {INIT_SYSTEMS} from './init-systems.js'
import {runAsRoot} from './remote-script.js'
import {renderTemplate} from './templates.js'

/**
 * Put back what berth changed on the host (the engine's configuration, the TLS files, the hostname: see restoreHost)
 * and restart the engine, which then runs as it did before berth.
 */
export async function cleanHost(session: RemoteSession, machine: string, reporter: Reporter, signal: AbortSignal): Promise<void> {
  const facts = await gatherHostFacts(session, signal)
  const restored = await restoreHost(session, facts, machine, signal)
  reporter.debug(`${machine}: ${restored.restored.join(', ') || 'nothing of berth\'s was left on the host'}`)
  if (restored.kept.length > 0) reporter.info(`Changed on the host since berth configured it, so only berth's part was taken out: ${restored.kept.join(', ')}.`)
  // No engine, nothing to restart; otherwise the restart is what closes the TCP port.
  if (facts.dockerd !== undefined) await runAsRoot(session, await renderTemplate(INIT_SYSTEMS[facts.init].cleanHostRestartScript, {}), signal, {onLine: (line) => reporter.status(line)})
}
