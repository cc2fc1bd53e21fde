import {BerthError} from '../errors.js'
import type {Reporter} from '../reporter.js'
import {describeOwner, parseHostMarker, sameOwner, HOST_MARKER, type HostOwner} from './host-state.js'

/** The host's engine is managed by another berth machine: provisioning it would take that machine's engine away. */
class HostManagedError extends BerthError {
  override readonly name = 'HostManagedError'
  constructor(readonly current: HostOwner | undefined, machine: string) {
    super(current === undefined
      ? `The host carries a berth marker (${HOST_MARKER}) that cannot be read, so another machine may manage its engine. Nothing on the host was changed.`
      : `The host's engine is managed by ${describeOwner(current)}. Nothing on the host was changed.`, {
      code: 'host-managed',
      data: {machine, marker: HOST_MARKER, ...(current === undefined ? {} : {owner: describeOwner(current)})},
    })
  }
}

/**
 * Whether this run may manage the host's engine: yes when no berth machine does, when this machine does, or when
 * the machine that did was removed from this same store. Another machine's host is refused unless adopted, and
 * adopting says what it takes over.
 */
export async function checkHostOwner(markerText: string | undefined, spec: {owner: HostOwner; forceAdopt: boolean; machineExists(name: string): Promise<boolean>}, reporter: Reporter): Promise<void> {
  if (markerText === undefined) return
  const current = parseHostMarker(markerText)
  if (current !== undefined && sameOwner(current, spec.owner)) return
  const sameStore = current !== undefined && current.store === spec.owner.store && current.computer === spec.owner.computer
  if (sameStore && !(await spec.machineExists(current.machine))) {
    reporter.debug(`the host was ${describeOwner(current)}, which no longer exists; "${spec.owner.machine}" takes it`)
    return
  }
  if (!spec.forceAdopt) throw new HostManagedError(current, spec.owner.machine)
  reporter.warn(`Taking the host over from ${current === undefined ? 'an unreadable berth marker' : describeOwner(current)} (--force-adopt): its engine configuration and TLS certificates become "${spec.owner.machine}"'s, and that machine cannot reach the engine until it is provisioned again.`)
}
