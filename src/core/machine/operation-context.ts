import type {Driver, OperationContext, RemovalOutcome} from '../../driver-kit/contract.js'
import {BerthError} from '../errors.js'
import type {Reporter} from '../reporter.js'
import type {MachineStore} from '../store/machine-store.js'
import type {ResourceRecord} from '../store/schema.js'
import {DEFAULT_SSH_TIMEOUT_MS, openMachineSsh} from './machine-ssh.js'

export interface OperationDeps {
  store: MachineStore
  reporter: Reporter
  signal: AbortSignal
  sshTimeoutMs?: number
  /** Whether the host may still be booting (see ProvisionDeps.hostMayBeBooting). */
  hostMayBeBooting?: boolean
}

/**
 * What a driver gets for one operation on one machine: progress, resource recording, and SSH. `removed` hears of
 * each recorded resource the driver found gone while removing.
 */
export function operationContext(deps: OperationDeps, name: string, driver: Driver, removed: (resource: ResourceRecord, outcome: RemovalOutcome) => void = () => {}): OperationContext {
  return {
    removed: (resource, outcome = 'gone') => removed(resource, outcome),
    signal: deps.signal,
    progress: (message) => deps.reporter.info(message),
    meter: (label, done, total) => deps.reporter.meter(label, done, total),
    record: async (resource) => {
      await deps.store.update(name, (config) => ({...config, resources: [...config.resources, resource]}))
    },
    connectSsh: async () => {
      const endpoint = await driver.sshEndpoint(deps.signal)
      if (endpoint === undefined) throw new BerthError(`Machine "${name}" cannot be reached over SSH.`, {code: 'ssh-failed'})
      return openMachineSsh(deps.store.layout.machine(name), endpoint, {
        timeoutMs: deps.sshTimeoutMs ?? DEFAULT_SSH_TIMEOUT_MS,
        signal: deps.signal,
        mayBeBooting: deps.hostMayBeBooting === true,
        log: (line) => deps.reporter.debug(`ssh ${name}: ${line}`),
        status: (message) => deps.reporter.status(message),
      })
    },
  }
}
