import {BerthError, errorMessage} from '../errors.js'
import {run} from '../fix.js'
import {driverSetup} from '../driver-registry/driver-setup.js'
import {DEFAULT_ENGINE_PORT} from '../engine/engine-url.js'
import {operationContext} from '../machine/operation-context.js'
import {OrphanRecord, type Orphan} from '../store/orphans.js'
import type {ResourceRecord} from '../store/schema.js'
import type {RemoveDeps} from './remove-machine.js'

interface ForgetOutcome {
  /** Confirmed gone (removed now, or already), and no longer on record. */
  forgotten: Orphan[]
  /** Still on record, with why berth could not confirm they are gone. */
  kept: {orphan: Orphan; reason: string}[]
}

/**
 * Forget orphans by id, each only once its driver confirms it is gone: the driver's remove() runs again for the
 * named resources of each machine together (so it removes them in the order the cloud needs), which deletes what is
 * still there and succeeds for what is not. A resource counts as gone when the driver says so (or, for a driver that
 * says nothing of single resources, when its remove() succeeded). Without credentials nothing can be confirmed, and
 * the record stays.
 */
export async function forgetOrphans(ids: readonly string[], deps: RemoveDeps): Promise<ForgetOutcome> {
  const record = new OrphanRecord(deps.store.layout)
  const all = await record.list()
  const unknown = ids.filter((id) => !all.some((orphan) => orphan.id === id))
  if (unknown.length > 0) throw new BerthError(`berth has no orphaned resource ${unknown.map((id) => `"${id}"`).join(', ')} on record.`, {code: 'orphan-not-found', data: {ids: unknown}, fixes: [run('ls', undefined, ['--orphans'])]})
  const chosen = all.filter((orphan) => ids.includes(orphan.id))
  const outcome: ForgetOutcome = {forgotten: [], kept: []}
  for (const machine of new Set(chosen.map((orphan) => orphan.machine))) {
    const mine = chosen.filter((orphan) => orphan.machine === machine)
    const {gone, failure} = await removeAgain(mine, deps)
    for (const orphan of mine) {
      if (gone.some((resource) => resource.kind === orphan.resource.kind && resource.id === orphan.resource.id)) outcome.forgotten.push(orphan)
      else outcome.kept.push({orphan, reason: failure ?? 'the driver did not report it gone (other resources may still use it; remove those first)'})
    }
  }
  await record.forget(outcome.forgotten)
  return outcome
}

/** One machine's orphans, removed again by its driver: what the driver confirmed gone, and why the rest failed. */
async function removeAgain(orphans: readonly Orphan[], deps: RemoveDeps): Promise<{gone: ResourceRecord[]; failure?: string}> {
  const first = orphans[0]!
  const gone: ResourceRecord[] = []
  let reported = false
  try {
    const definition = await deps.registry.get(first.driver)
    const driver = definition.load(first.driverState, driverSetup(deps.store.layout, first.machine, deps.env, definition, DEFAULT_ENGINE_PORT))
    const resources = orphans.map((orphan) => orphan.resource)
    await driver.remove(operationContext(deps, first.machine, driver, (resource, how) => {
      reported = true
      if (how === 'gone') gone.push(resource)
    }), resources)
    // A driver that never says what it removed: its success is all there is to go by.
    return {gone: reported ? gone : resources}
  } catch (error) {
    return {gone, failure: errorMessage(error)}
  }
}
