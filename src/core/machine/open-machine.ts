import type {Driver, DriverDefinition, DriverSetup} from '../../driver-kit/contract.js'
import {driverSetup} from '../driver-registry/driver-setup.js'
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

/** A stored machine with its driver loaded from the state the driver persisted. */
export async function openMachine(layout: StoreLayout, registry: DriverRegistry, config: MachineConfig, env: NodeJS.ProcessEnv): Promise<OpenMachine> {
  const definition = await registry.get(config.driver.name)
  const setup = driverSetup(layout, config.name, env, definition, config.engine.port)
  return {config, definition, driver: definition.load(config.driver.state, setup), setup}
}
