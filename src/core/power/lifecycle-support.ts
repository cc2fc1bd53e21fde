import {LIFECYCLE_OPERATIONS, lifecycleOf, type LifecycleOperation, type OperationContext} from '../../driver-kit/contract.js'
import {BerthError} from '../errors.js'
import type {OpenMachine} from '../machine/open-machine.js'

export type {LifecycleOperation}

const DONE: Readonly<Record<LifecycleOperation, string>> = {start: 'started', stop: 'stopped', restart: 'restarted', kill: 'killed'}

/** The driver's call for the operation, or this throws: a driver without that method is never asked to do it. */
export function requireLifecycle(machine: OpenMachine, operation: LifecycleOperation): (ctx: OperationContext) => Promise<void> {
  const {driver} = machine
  const call = driver[operation]?.bind(driver)
  if (call !== undefined) return call
  const lifecycle = lifecycleOf(driver)
  const possible = LIFECYCLE_OPERATIONS.filter((candidate) => lifecycle[candidate]).map((candidate) => DONE[candidate])
  throw new BerthError(`The ${machine.definition.name} driver cannot ${operation} a machine.`, {
    code: 'unsupported-operation',
    data: {driver: machine.definition.name, operation, machine: machine.config.name, possible},
  })
}
