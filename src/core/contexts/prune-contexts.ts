import {stalenessJudge} from '../client/context-staleness.js'
import type {DockerContextStore, StaleContext} from '../client/docker-context.js'
import {errorMessage} from '../errors.js'
import {lockingMachineIn} from '../machine/machine-lock.js'
import type {Reporter} from '../reporter.js'

interface PruneDeps {
  contexts: DockerContextStore
  reporter: Reporter
  env: NodeJS.ProcessEnv
  signal: AbortSignal
}

/** A stale context that could not be removed, and why. */
interface KeptContext {
  stale: StaleContext
  reason: string
}

export interface PruneResult {
  /** Every stale context found, by name. */
  found: StaleContext[]
  /** Those removed, each confirmed gone after its removal (none with dryRun). */
  removed: StaleContext[]
  /** Those still there after trying. */
  kept: KeptContext[]
  /** The stale context that was (or, with dryRun, is) the docker CLI's current one, if one was. */
  current?: {context: string; fromEnv: boolean}
}

/**
 * The docker contexts berth made whose store or machine is gone (see context-staleness.ts), by name. Contexts named
 * in `except` are not looked at: ls passes its own machines' names, whose contexts are its own or, when stale, are
 * replaced as soon as those machines write theirs, and so spares reading a context per machine.
 */
export async function findStaleContexts(contexts: DockerContextStore, options: {except?: readonly string[]} = {}): Promise<StaleContext[]> {
  const judge = stalenessJudge()
  const judged = await Promise.all((await contexts.berthContexts(options)).map(async ({context, marker}): Promise<StaleContext | undefined> => {
    const reason = await judge(marker)
    return reason === undefined ? undefined : {context, marker, reason}
  }))
  return judged.filter((stale) => stale !== undefined).sort((a, b) => (a.context < b.context ? -1 : a.context > b.context ? 1 : 0))
}

/**
 * Remove the stale contexts berth made, and only those: a context that is not berth's, or is the context of a machine
 * its store still has, is never touched. Each is judged again under its machine's lock (in the store that made it,
 * when that store is still there) and removed only if it is still the same stale context; a removed context that was
 * the current one gives the docker CLI back its default context, as rm does.
 */
export async function pruneContexts(deps: PruneDeps, options: {dryRun: boolean}): Promise<PruneResult> {
  const {contexts} = deps
  const found = await findStaleContexts(contexts)
  const currentName = await contexts.currentContext()
  const currentStale = found.find((stale) => stale.context === currentName)
  const current = currentStale === undefined ? undefined : {context: currentStale.context, fromEnv: (deps.env.DOCKER_CONTEXT ?? '') !== ''}
  if (options.dryRun) return {found, removed: [], kept: [], ...(current === undefined ? {} : {current})}
  const removed: StaleContext[] = []
  const kept: KeptContext[] = []
  for (const stale of found) {
    try {
      const gone = await lockingMachineIn(stale.marker.store, stale.marker.machine, deps, () => contexts.removeStale(stale))
      if (gone) removed.push(stale)
      // Not gone because a create replaced it meanwhile is not a failure: it is no longer stale.
      else if (await stillStale(contexts, stale)) kept.push({stale, reason: 'it is still there after its removal'})
    } catch (error) {
      kept.push({stale, reason: errorMessage(error)})
    }
  }
  const currentRemoved = current !== undefined && removed.some((stale) => stale.context === current.context)
  return {found, removed, kept, ...(currentRemoved ? {current} : {})}
}

async function stillStale(contexts: DockerContextStore, stale: StaleContext): Promise<boolean> {
  const now = await contexts.stale(stale.context)
  return now !== undefined && now.marker.store === stale.marker.store && now.marker.storeId === stale.marker.storeId
}
