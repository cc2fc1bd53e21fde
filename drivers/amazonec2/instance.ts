import {BerthError, type MachineState, pollUntil, prose, run} from '../../src/driver-kit/index.js'
import type {Ec2Api, InstanceView} from './client.js'
import {hasCode} from './errors.js'

/** The record of an instance berth launched. */
export const INSTANCE = 'instance'
/** The record of a key pair berth imported. */
export const KEY_PAIR = 'key-pair'
/** The tag naming the machine on everything berth makes; `ls` lists a region's machines by it in one call. */
export const MACHINE_TAG = 'berth:machine'

/** How long a new instance may take to run and get its address. */
const LAUNCH_TIMEOUT_MS = 10 * 60_000
/** Right after a launch, EC2 may not know the new id yet (eventual consistency): that long, NotFound means "not yet". */
export const NEW_INSTANCE_GRACE_MS = 60_000

/** EC2's instance states in berth's terms; an instance that is gone (or being removed for good) is NotFound. */
export function machineState(view: InstanceView | undefined): MachineState {
  switch (view?.state) {
    case 'pending': return 'Starting'
    case 'running': return 'Running'
    case 'stopping': return 'Stopping'
    case 'stopped': return 'Stopped'
    case 'shutting-down': return 'Stopping'
    case 'terminated':
    case undefined: return 'NotFound'
    default: return 'Error'
  }
}

/** The address berth uses: the private one when asked (or when there is no public one by choice), else the public one. */
export function addressOf(view: InstanceView, usePrivate: boolean): string | undefined {
  return usePrivate ? view.privateIp : view.publicIp
}

/** The instance by id, or undefined when EC2 says it does not exist. */
export async function describeInstance(api: Ec2Api, id: string, signal: AbortSignal): Promise<InstanceView | undefined> {
  try {
    return (await api.instancesById([id], signal))[0]
  } catch (error) {
    if (hasCode(error, 'InvalidInstanceID.NotFound')) return undefined
    throw error
  }
}

/** Wait until a new (or started) instance runs and has the address berth will use; a launch that fails says why. */
export async function waitForAddress(api: Ec2Api, id: string, usePrivate: boolean, signal: AbortSignal): Promise<InstanceView> {
  const started = Date.now()
  let last: InstanceView | undefined
  return pollUntil(async () => {
    last = await describeInstance(api, id, signal)
    if (last === undefined) {
      if (Date.now() - started < NEW_INSTANCE_GRACE_MS) return undefined
      throw new BerthError(`The instance ${id} disappeared while it was starting.`, {code: 'cloud-api', data: {service: 'ec2'}, hint: prose`Look for it in the EC2 console; ${run('rm')} removes what berth made.`})
    }
    if (last.state === 'terminated' || last.state === 'shutting-down') {
      throw new BerthError(`The instance ${id} was terminated while it was starting${last.stateReason === undefined ? '' : `: ${last.stateReason.replace(/\.$/, '')}`}.`, {code: 'cloud-api', hint: 'Try again, perhaps with another zone or instance type.'})
    }
    return last.state === 'running' && addressOf(last, usePrivate) !== undefined ? last : undefined
  }, (running): running is InstanceView => running !== undefined, {
    timeoutMs: LAUNCH_TIMEOUT_MS,
    signal,
    describe: () => `The instance ${id} was still ${last === undefined ? 'not visible' : last.state === 'running' ? 'running without the address berth uses' : last.state}`,
  })
}
