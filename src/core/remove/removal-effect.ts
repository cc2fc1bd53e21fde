import type {DriverCapabilities} from '../../driver-kit/contract.js'
import type {DriverRegistry} from '../driver-registry/registry.js'
import type {MachineStore} from '../store/machine-store.js'

/**
 * What `rm` does to a machine's host, as its driver's capabilities say (never its name):
 * - 'deleted': the driver made the host (a VM, a cloud instance); it goes, with everything recorded for it.
 * - 'left': a server that existed before berth and that berth provisioned; it stays as it is, berth's engine
 *   configuration and TLS files on it too.
 * - 'left-cleaned': the same with --clean-host: berth's engine configuration is put back as berth found it first.
 * - 'record-only': an engine berth only registered; nothing on it changes, only berth's record of it goes.
 */
export type HostRemoval = 'deleted' | 'left' | 'left-cleaned' | 'record-only'

export interface MachineRemoval {
  machine: string
  driver: string
  host: HostRemoval
}

/** The effect of removing a host of a driver with these capabilities. */
export function hostRemoval(capabilities: Pick<DriverCapabilities, 'existingHost' | 'provisions'>, options: {cleanHost: boolean}): HostRemoval {
  if (capabilities.existingHost !== true) return 'deleted'
  if (!capabilities.provisions) return 'record-only'
  return options.cleanHost ? 'left-cleaned' : 'left'
}

/**
 * What removing each named machine will do, for rm's question. A machine that cannot be read (or whose driver cannot
 * be loaded) is left out: removing it fails with its own error, or is forced, and the question is still asked.
 */
export async function describeRemovals(names: readonly string[], deps: {store: MachineStore; registry: DriverRegistry}, options: {cleanHost: boolean}): Promise<MachineRemoval[]> {
  const removals = await Promise.all(names.map(async (name): Promise<MachineRemoval | undefined> => {
    try {
      const config = await deps.store.load(name)
      const definition = await deps.registry.get(config.driver.name)
      return {machine: name, driver: definition.name, host: hostRemoval(definition.capabilities, options)}
    } catch {
      return undefined
    }
  }))
  return removals.filter((removal): removal is MachineRemoval => removal !== undefined)
}
