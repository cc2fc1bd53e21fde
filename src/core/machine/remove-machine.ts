import type {DockerContextStore} from '../client/docker-context.js'
import type {DriverRegistry} from '../drivers/registry.js'
import {errorMessage} from '../errors.js'
import type {Reporter} from '../reporter.js'
import type {MachineStore} from '../store/machine-store.js'
import {openMachine} from './open-machine.js'

export interface RemoveDeps {
  store: MachineStore
  registry: DriverRegistry
  contexts: DockerContextStore
  reporter: Reporter
  env: NodeJS.ProcessEnv
  signal: AbortSignal
}

/**
 * Remove a machine: the driver removes what it made, then berth forgets the machine and its docker
 * context. With force, local state goes even when the driver fails or the config cannot be read.
 */
export async function removeMachine(name: string, force: boolean, deps: RemoveDeps): Promise<void> {
  const {store} = deps
  try {
    const config = await store.load(name)
    const machine = await openMachine(store.layout, deps.registry, config, deps.env)
    await machine.driver.remove({signal: deps.signal, progress: (message) => deps.reporter.info(message), record: async () => {}}, config.resources)
  } catch (error) {
    if (!force || !(await store.exists(name))) throw error
    deps.reporter.warn(`Removing "${name}" locally although its driver failed: ${errorMessage(error)}`)
  }
  await removeBerthContext(name, deps)
  await store.remove(name)
}

/** The machine's docker context goes with it; a context of the same name that is not berth's stays. */
async function removeBerthContext(name: string, deps: RemoveDeps): Promise<void> {
  try {
    const owner = await deps.contexts.owner(name, deps.store.layout.root)
    if (owner === 'berth') await deps.contexts.remove(name, {storePath: deps.store.layout.root})
    else if (owner === 'other') deps.reporter.info(`The docker context "${name}" was not made by berth and is left as it is.`)
  } catch (error) {
    deps.reporter.warn(`The docker context "${name}" could not be removed: ${errorMessage(error)}`)
  }
}
