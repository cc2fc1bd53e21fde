import type {Interfaces} from '@oclif/core'
import {builtInDrivers} from '../../drivers/index.js'
import type {DriverDefinition} from '../driver-kit/contract.js'
import {DriverRegistry} from '../core/driver-registry/registry.js'
import {pluginDriverSources} from './plugin-drivers.js'

/** Every driver: built in, and provided by the plugins oclif has loaded. */
export function driverRegistryFor(config: Interfaces.Config): DriverRegistry {
  return new DriverRegistry([...builtInDrivers, ...pluginDriverSources(config)])
}

/** The definitions of the built-in drivers (light modules: the heavy parts load when a driver runs). */
export async function builtInDriverDefinitions(): Promise<DriverDefinition[]> {
  const registry = new DriverRegistry(builtInDrivers)
  return Promise.all(registry.names().map((name) => registry.get(name)))
}
