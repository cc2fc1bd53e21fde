import {BerthError, errorMessage} from '../errors.js'
import {OrphanRecord, type Orphan} from '../store/orphans.js'
import {driverSetup} from './open-machine.js'
import {operationContext} from './operation-context.js'
import type {RemoveDeps} from './remove-machine.js'

export interface ForgetOutcome {
  /** Confirmed gone (removed now, or already), and no longer on record. */
  forgotten: Orphan[]
  /** Still on record, with why berth could not confirm they are gone. */
  kept: {orphan: Orphan; reason: string}[]
}

/**
 * Forget orphans by id, each only once its driver confirms it is gone: the driver's remove() is run again for that
 * one resource, which deletes it if it is still there and succeeds when it is not (every driver's remove tolerates
 * what is already gone). Without credentials the driver cannot confirm anything, and the record stays.
 */
export async function forgetOrphans(ids: readonly string[], deps: RemoveDeps): Promise<ForgetOutcome> {
  const record = new OrphanRecord(deps.store.layout)
  const all = await record.list()
  const unknown = ids.filter((id) => !all.some((orphan) => orphan.id === id))
  if (unknown.length > 0) throw new BerthError(`berth has no orphaned resource ${unknown.map((id) => `"${id}"`).join(', ')} on record.`, {hint: 'Run "berth ls --orphans" to list them.'})
  const outcome: ForgetOutcome = {forgotten: [], kept: []}
  for (const orphan of all.filter((candidate) => ids.includes(candidate.id))) {
    try {
      await removeAgain(orphan, deps)
      outcome.forgotten.push(orphan)
    } catch (error) {
      outcome.kept.push({orphan, reason: errorMessage(error)})
    }
  }
  await record.forget(outcome.forgotten)
  return outcome
}

async function removeAgain(orphan: Orphan, deps: RemoveDeps): Promise<void> {
  const definition = await deps.registry.get(orphan.driver)
  const driver = definition.load(orphan.driverState, driverSetup(deps.store.layout, orphan.machine, deps.env, definition))
  await driver.remove(operationContext(deps, orphan.machine, driver), [orphan.resource])
}
