import type {DockerContextStore} from '../client/docker-context.js'
import type {DriverRegistry} from '../drivers/registry.js'
import {BerthError, errorMessage} from '../errors.js'
import type {Reporter} from '../reporter.js'
import type {MachineStore} from '../store/machine-store.js'
import {cleanHostForRemoval} from './clean-host.js'
import {changingMachine} from './machine-lock.js'
import {openMachine} from './open-machine.js'
import {operationContext} from './operation-context.js'

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
 * context. With force, local state goes even when the driver fails or the config cannot be read. With cleanHost,
 * the engine configuration berth wrote on the host goes first (see clean-host.ts).
 */
export async function removeMachine(name: string, force: boolean, deps: RemoveDeps, options: {cleanHost?: boolean} = {}): Promise<void> {
  // The machine, its host and its docker context go under the machine's lock: nothing changes them meanwhile.
  await changingMachine(deps, name, () => removeUnderLock(name, force, deps, options))
}

async function removeUnderLock(name: string, force: boolean, deps: RemoveDeps, options: {cleanHost?: boolean}): Promise<void> {
  const {store} = deps
  // The machine's docker context goes too: a docker configuration berth cannot write to is refused before anything goes.
  await deps.contexts.checkUsable()
  try {
    const config = await store.load(name)
    const machine = await openMachine(store.layout, deps.registry, config, deps.env)
    if (options.cleanHost === true) await cleanHostForRemoval(machine, deps, {force})
    await machine.driver.remove(operationContext(deps, name, machine.driver), config.resources)
  } catch (error) {
    const exists = await store.exists(name)
    if (!exists) throw error
    if (!force) throw withForceHint(name, error)
    deps.reporter.warn(`Removing "${name}" locally although its driver failed: ${errorMessage(error)}`)
  }
  await removeBerthContext(name, deps)
  await store.remove(name)
}

/** A machine that is there but cannot be removed (unreadable config, driver failure) can still be forgotten with -f: say so. */
function withForceHint(name: string, error: unknown): BerthError {
  const force = `To remove its local state anyway, run "berth rm -f ${name}".`
  if (error instanceof BerthError) {
    if (error.hint?.includes('rm -f') === true) return error
    return new BerthError(error.message, {hint: error.hint ? `${error.hint} ${force}` : force, exitCode: error.exitCode, cause: error})
  }
  return new BerthError(`Cannot remove "${name}": ${errorMessage(error)}`, {hint: force, cause: error})
}

/** The machine's docker context goes with it; a context of the same name that is not berth's stays. */
async function removeBerthContext(name: string, deps: RemoveDeps): Promise<void> {
  try {
    const owner = await deps.contexts.owner(name, deps.store.layout.root)
    if (owner === 'berth') await deps.contexts.remove(name, {storePath: deps.store.layout.root})
    else if (owner === 'other') {
      const store = await deps.contexts.otherStore(name, deps.store.layout.root)
      deps.reporter.info(`The docker context "${name}" ${store === undefined ? 'was not made by berth' : `belongs to another berth store (${store})`} and is left as it is.`)
    }
  } catch (error) {
    deps.reporter.warn(`The docker context "${name}" could not be removed: ${errorMessage(error)}`)
  }
}
