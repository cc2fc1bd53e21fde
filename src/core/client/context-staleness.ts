import {stat} from 'node:fs/promises'

import {errorCode} from '../path-problem.js'
import {StoreLayout} from '../store/layout.js'
import {readStoreIdentity} from '../store/store-identity.js'

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
export async function staleness(marker: BerthMarker): Promise<StaleReason | undefined> {
  const present = await exists(marker.store)
  if (present !== true) return present === false ? 'store-missing' : undefined
  if (marker.storeId !== undefined) {
    let id: string | undefined
    try {
      id = await readStoreIdentity(marker.store)
    } catch {
      return undefined
    }
    if (id !== marker.storeId) return 'store-replaced'
  }
  return (await exists(new StoreLayout(marker.store).machine(marker.machine).dir)) === false ? 'machine-missing' : undefined
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
    const code = errorCode(error)
    return code === 'ENOENT' || code === 'ENOTDIR' ? false : undefined
  }
}
