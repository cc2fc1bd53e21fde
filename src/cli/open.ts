import {openMachine, type OpenMachine} from '../core/machine/open-machine.js'
import type {MachineConfig} from '../core/store/schema.js'
import {NeedsFullCli, type App} from './app.js'

/** Load a machine's driver; on the lean path a plugin driver hands the command over to the full CLI. */
export async function openStoredMachine(app: App, config: MachineConfig): Promise<OpenMachine> {
  if (!app.pluginsLoaded && !app.registry.has(config.driver.name)) throw new NeedsFullCli(`driver ${config.driver.name}`)
  return openMachine(app.layout, app.registry, config, app.terminal.env)
}
