import type {DriverCapabilities} from '../../driver-kit/contract.js'
import {BerthError} from '../errors.js'
import type {OpenMachine} from './open-machine.js'

export type LifecycleOperation = keyof DriverCapabilities['lifecycle']

const DONE: Readonly<Record<LifecycleOperation, string>> = {start: 'started', stop: 'stopped', restart: 'restarted', kill: 'killed'}

/** The driver declares the operation, or this throws: read from capabilities, so the driver is never called for it. */
export function requireLifecycle(machine: OpenMachine, operation: LifecycleOperation): void {
  const {lifecycle} = machine.definition.capabilities
  if (lifecycle[operation]) return
  const possible = (Object.keys(DONE) as LifecycleOperation[]).filter((candidate) => lifecycle[candidate]).map((candidate) => DONE[candidate])
  throw new BerthError(`The ${machine.definition.name} driver cannot ${operation} a machine.`, {
    hint: possible.length > 0
      ? `"${machine.config.name}" can only be ${possible.join(' or ')} by berth.`
      : `berth cannot change the power state of "${machine.config.name}".`,
  })
}
