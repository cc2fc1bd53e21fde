import type {Driver} from '../../driver-kit/contract.js'
import {BerthError} from '../errors.js'

/** Refuse to change the engine of a host whose driver says its settings live where berth does not manage them. */
export function refuseEngineManagedElsewhere(name: string, driver: Driver): void {
  const elsewhere = driver.engineManagedElsewhere
  if (elsewhere === undefined) return
  throw new BerthError(`berth does not change the engine of "${name}": ${elsewhere.reason}.`, {code: 'engine-managed-elsewhere', data: {machine: name, reason: elsewhere.reason}, hint: elsewhere.instead})
}
