import {describeStaleness} from '../client/context-staleness.js'
import type {DockerContextStore} from '../client/docker-context.js'
import type {DriverRegistry} from '../driver-registry/registry.js'
import {BerthError, MachineUnreadableError, OrphanedResourcesError, errorMessage} from '../errors.js'
import {run} from '../fix.js'
import {changingMachine} from '../machine/machine-lock.js'
import {openMachine} from '../machine/open-machine.js'
import {operationContext} from '../machine/operation-context.js'
import type {Reporter} from '../reporter.js'
import type {MachineStore} from '../store/machine-store.js'
import {OrphanRecord, describeOrphan, type Orphan} from '../store/orphans.js'
import type {MachineConfig, ResourceRecord} from '../store/schema.js'
import {cleanHostForRemoval} from './clean-host.js'

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
 * context. With force, local state goes even when the driver fails or the config cannot be read (never when it may
 * not be read: that is a matter of permissions); what the driver could not remove is kept in the store's orphans
 * record, named with how to remove it, and the removal fails with OrphanedResourcesError. With cleanHost,
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
  let config: MachineConfig | undefined
  const gone: ResourceRecord[] = []
  try {
    config = await store.load(name)
    const machine = await openMachine(store.layout, deps.registry, config, deps.env)
    if (options.cleanHost === true) await cleanHostForRemoval(machine, deps, {force})
    await machine.driver.remove(operationContext(deps, name, machine.driver, (resource) => gone.push(resource)), config.resources)
  } catch (error) {
    if (!(await store.exists(name))) throw error
    // A machine berth may not read is intact: the fix is its permissions, and forgetting it could lose its resources.
    if (error instanceof MachineUnreadableError) throw error
    const left = config === undefined ? [] : config.resources.filter((resource) => !gone.some((done) => sameResource(done, resource)))
    if (!force) throw withRetryHint(name, error, left.length)
    deps.reporter.warn(`Removing "${name}" locally although its driver failed: ${errorMessage(error)}`)
    if (config !== undefined && left.length > 0) {
      const orphans = await recordOrphans(config, left, error, deps)
      await removeBerthContext(name, deps)
      await store.remove(name)
      throw new OrphanedResourcesError(name, orphans)
    }
  }
  await removeBerthContext(name, deps)
  await store.remove(name)
}

function sameResource(a: ResourceRecord, b: ResourceRecord): boolean {
  return a.kind === b.kind && a.id === b.id
}

/**
 * A machine that is there but cannot be removed. Without recorded resources, -f can forget it and loses nothing
 * berth knows of; with some, the fix is to retry, since -f would leave them to the user (as orphans).
 */
function withRetryHint(name: string, error: unknown, resourcesLeft: number): BerthError {
  // A fix that already sends the user to rm says what to do; a second one would only repeat it.
  if (error instanceof BerthError && error.fixes.some((fix) => fix.command === 'rm')) return error
  const message = error instanceof BerthError ? error.message : `Cannot remove "${name}": ${errorMessage(error)}`
  const retry = resourcesLeft > 0 ? run('rm', name) : run('rm', name, ['-f'])
  return new BerthError(message, {code: 'remove-failed', data: {machine: name, resourcesLeft}, fixes: [retry], exitCode: error instanceof BerthError ? error.exitCode : 1, cause: error})
}

/** Keep the resources the driver could not remove in the store's orphans record, and name each with how to remove it. */
async function recordOrphans(config: MachineConfig, left: readonly ResourceRecord[], error: unknown, deps: RemoveDeps): Promise<Orphan[]> {
  const definition = await deps.registry.get(config.driver.name).catch(() => undefined)
  const forgottenAt = new Date().toISOString()
  const orphans = left.map((resource): Orphan => {
    const described = definition?.describeResource?.(resource, config.driver.state)
    return {
      machine: config.name,
      driver: config.driver.name,
      driverState: config.driver.state,
      resource,
      kind: described?.kind ?? resource.kind,
      id: resource.id,
      ...(described?.region === undefined ? {} : {region: described.region}),
      ...(described === undefined ? {} : {removeCommand: described.removeCommand}),
      reason: errorMessage(error),
      forgottenAt,
    }
  })
  await new OrphanRecord(deps.store.layout).add(orphans)
  for (const orphan of orphans) deps.reporter.warn(`Left in place: ${describeOrphan(orphan)}`)
  return orphans
}

/**
 * The machine's docker context goes with it, and so does a stale one of its name (its store or machine gone); a
 * context of the same name that is not berth's, or is another store's live machine's, stays.
 */
async function removeBerthContext(name: string, deps: RemoveDeps): Promise<void> {
  try {
    const owner = await deps.contexts.owner(name, deps.store.layout.root)
    if (owner === 'berth') await deps.contexts.remove(name, {storePath: deps.store.layout.root})
    else if (owner === 'other') {
      const stale = await deps.contexts.stale(name)
      if (stale !== undefined && (await deps.contexts.removeStale(stale))) {
        deps.reporter.info(`Removed the stale docker context "${name}" too: ${describeStaleness(stale.marker, stale.reason)}.`)
        return
      }
      const store = await deps.contexts.otherStore(name, deps.store.layout.root)
      deps.reporter.info(`The docker context "${name}" ${store === undefined ? 'was not made by berth' : `belongs to another berth store (${store})`} and is left as it is.`)
    }
  } catch (error) {
    deps.reporter.warn(`The docker context "${name}" could not be removed: ${errorMessage(error)}`)
  }
}
