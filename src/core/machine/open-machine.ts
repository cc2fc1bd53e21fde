import type {Driver, DriverDefinition, DriverSetup} from '../drivers/driver.js'
import type {DriverRegistry} from '../drivers/registry.js'
import type {StoreLayout} from '../store/layout.js'
import type {MachineConfig} from '../store/schema.js'

export interface OpenMachine {
  config: MachineConfig
  definition: DriverDefinition
  driver: Driver
}

export function driverSetup(layout: StoreLayout, name: string, env: NodeJS.ProcessEnv): DriverSetup {
  return {machineName: name, machineDir: layout.machine(name).dir, storePath: layout.root, env}
}

/** A stored machine with its driver loaded from the state the driver persisted. */
export async function openMachine(layout: StoreLayout, registry: DriverRegistry, config: MachineConfig, env: NodeJS.ProcessEnv): Promise<OpenMachine> {
  const definition = await registry.get(config.driver.name)
  const driver = definition.load(config.driver.state, driverSetup(layout, config.name, env))
  return {config, definition, driver}
}
