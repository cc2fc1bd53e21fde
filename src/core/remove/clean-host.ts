import {BerthError, errorMessage} from '../errors.js'
import {run} from '../fix.js'
import type {OpenMachine} from '../machine/open-machine.js'
import {operationContext, type OperationDeps} from '../machine/operation-context.js'
import {cleanHost} from '../provision/index.js'

/** The host should be up when its machine is removed: no long wait for a boot, as create and start allow. */
const CLEAN_SSH_TIMEOUT_MS = 30_000

/**
 * rm --clean-host: before berth forgets a machine it provisioned, put back what it changed on the host and restart
 * the engine, which then runs as it did before berth (see cleanHost). When the host cannot be cleaned, the removal stops, unless forced: then it goes on with a warning.
 */
export async function cleanHostForRemoval(machine: OpenMachine, deps: OperationDeps, options: {force: boolean}): Promise<void> {
  const {config, definition} = machine
  const elsewhere = machine.driver.engineManagedElsewhere
  if (!definition.capabilities.provisions || elsewhere !== undefined) {
    deps.reporter.info(`berth did not configure the engine of "${config.name}" (${elsewhere?.reason ?? `${definition.name} driver`}); --clean-host leaves that host as it is.`)
    return
  }
  try {
    await deps.reporter.step(`Removing berth's engine configuration from "${config.name}"`, () => cleanMachineHost(machine, deps))
  } catch (error) {
    if (deps.signal.aborted) throw error
    if (!options.force) {
      throw new BerthError(`Cannot clean the host of "${config.name}": ${errorMessage(error)}`, {
        code: 'clean-host-failed',
        data: {machine: config.name},
        fixes: [run('rm', config.name)],
        cause: error,
      })
    }
    deps.reporter.warn(`The host of "${config.name}" keeps berth's engine configuration: ${errorMessage(error)}`)
  }
}

async function cleanMachineHost(machine: OpenMachine, deps: OperationDeps): Promise<void> {
  const {name} = machine.config
  const session = await operationContext({...deps, sshTimeoutMs: CLEAN_SSH_TIMEOUT_MS}, name, machine.driver).connectSsh()
  try {
    await cleanHost(session, name, deps.reporter, deps.signal)
  } finally {
    await session.close()
  }
}
