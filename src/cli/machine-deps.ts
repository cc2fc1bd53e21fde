import {DockerContextStore} from '../core/client/docker-context.js'
import type {ProvisionDeps} from '../core/provision-machine/index.js'
import type {App} from './app.js'
import type {ParsedFlags} from './spec.js'

/** What the machine lifecycle needs from the CLI, for commands that provision or change machines. */
export function machineDeps(app: App, flags: ParsedFlags, signal: AbortSignal): ProvisionDeps {
  const sshTimeout = flags['ssh-timeout']
  return {
    store: app.store,
    registry: app.registry,
    certificates: app.certificates,
    contexts: new DockerContextStore(app.terminal.env),
    reporter: app.reporter,
    env: app.terminal.env,
    signal,
    ...(typeof sshTimeout === 'number' ? {sshTimeoutMs: sshTimeout * 1000} : {}),
  }
}
