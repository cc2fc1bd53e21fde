import {readdir, stat} from 'node:fs/promises'

import {errorCode} from '../path-problem.js'
import {StoreLayout} from '../store/layout.js'
import {readStoreIdentity} from '../store/store-identity.js'
import {isMissing} from './docker-config.js'

/** The marker berth leaves in a context's metadata; the docker CLI keeps and shows unknown metadata keys. */
export interface BerthMarker {
  machine: string
  /** The path of the store that made the context. */
  store: string
  /** That store's identity; absent in contexts written before berth recorded it. */
  storeId?: string
}

/**
 * Why a context berth made no longer belongs to a machine: the store that made it is gone, the store at that path is
 * another one made since (its identity differs), or the store no longer has the machine.
 */
export type StaleReason = 'store-missing' | 'store-replaced' | 'machine-missing'

/**
 * Whether the context with this marker is stale, and why; undefined while its machine may still exist. Only a
 * definite answer counts: a store that cannot be read (no access) keeps its contexts.
 */
export function staleness(marker: BerthMarker): Promise<StaleReason | undefined> {
  return stalenessJudge()(marker)
}

/** What berth knows of one store: whether it exists, its identity and its machines; undefined where it cannot tell. */
interface StoreFacts {
  present: boolean | undefined
  id: {known: true; value: string | undefined} | {known: false}
  machines: ReadonlySet<string> | undefined
}

/**
 * staleness() for many contexts at a time (ls, contexts prune): each store is looked at once, however many contexts
 * name it.
 */
export function stalenessJudge(): (marker: BerthMarker) => Promise<StaleReason | undefined> {
  const stores = new Map<string, Promise<StoreFacts>>()
  return async (marker) => {
    let facts = stores.get(marker.store)
    if (facts === undefined) {
      facts = storeFacts(marker.store)
      stores.set(marker.store, facts)
    }
    const {present, id, machines} = await facts
    if (present !== true) return present === false ? 'store-missing' : undefined
    if (marker.storeId !== undefined) {
      if (!id.known) return undefined
      if (id.value !== marker.storeId) return 'store-replaced'
    }
    if (machines === undefined) return undefined
    return machines.has(marker.machine) ? undefined : 'machine-missing'
  }
}

async function storeFacts(root: string): Promise<StoreFacts> {
  const present = await exists(root)
  if (present !== true) return {present, id: {known: false}, machines: undefined}
  const [id, machines] = await Promise.all([
    readStoreIdentity(root).then((value) => ({known: true as const, value}), () => ({known: false as const})),
    // No machines/ at all is a store without machines; one berth cannot list (a file there, no access) says nothing.
    readdir(new StoreLayout(root).machinesDir).then((names) => new Set(names), (error: unknown) => (errorCode(error) === 'ENOENT' ? new Set<string>() : undefined)),
  ])
  return {present, id, machines}
}

/** Why the context of `marker` is stale, as a clause: "the store /x that made it no longer exists". */
export function describeStaleness(marker: BerthMarker, reason: StaleReason): string {
  const maker = `the store ${marker.store} that made it`
  switch (reason) {
    case 'store-missing': return `${maker} no longer exists`
    case 'store-replaced': return `${maker} was deleted (the store there now is another one)`
    case 'machine-missing': return `${maker} no longer has a machine "${marker.machine}"`
  }
}

/** True or false when the path is known to exist or not, undefined when that cannot be told (no access). */
async function exists(path: string): Promise<boolean | undefined> {
  try {
    await stat(path)
    return true
  } catch (error) {
    return isMissing(error) ? false : undefined
  }
}
