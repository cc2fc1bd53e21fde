import {secretLookup} from '../driver-registry/credentials.js'
import type {Driver, DriverDefinition, DriverSetup} from '../../driver-kit/contract.js'
import type {DriverRegistry} from '../driver-registry/registry.js'
import type {StoreLayout} from '../store/layout.js'
import type {MachineConfig} from '../store/schema.js'

export interface OpenMachine {
  config: MachineConfig
  definition: DriverDefinition
  driver: Driver
  /** Where the driver runs (kept for calls that take stored machines in bulk, such as queryStates). */
  setup: DriverSetup
}

export function driverSetup(layout: StoreLayout, name: string, env: NodeJS.ProcessEnv, definition: DriverDefinition): DriverSetup {
  const machine = layout.machine(name)
  return {machineName: name, machineDir: machine.dir, storePath: layout.root, env, secret: secretLookup(machine, definition.flags, env)}
}

/** A stored machine with its driver loaded from the state the driver persisted. */
export async function openMachine(layout: StoreLayout, registry: DriverRegistry, config: MachineConfig, env: NodeJS.ProcessEnv): Promise<OpenMachine> {
  const definition = await registry.get(config.driver.name)
  const setup = driverSetup(layout, config.name, env, definition)
  return {config, definition, driver: definition.load(config.driver.state, setup), setup}
}
