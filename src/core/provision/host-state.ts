/**
 * What berth keeps on a host it provisions, under /var/lib/berth: a marker naming the machine and the store that
 * manage the engine (so a second machine does not silently take the host over), the first original of every file
 * berth replaced (so `rm --clean-host` can put them back), and the copies a provisioning run keeps until it ends
 * (so a failed run can undo itself).
 */
export const HOST_STATE_DIR = '/var/lib/berth'
export const HOST_MARKER = `${HOST_STATE_DIR}/machine.json`
export const ORIGINALS_DIR = `${HOST_STATE_DIR}/originals`
export const RUNS_DIR = `${HOST_STATE_DIR}/runs`

/** Who manages a host's engine: a machine of a store on a computer. */
export interface HostOwner {
  machine: string
  store: string
  computer: string
}

export interface HostMarker extends HostOwner {
  /** sha256 of each file as berth last wrote it, so that a later clean-up can tell what someone changed since. */
  files: Record<string, string>
  /** The values berth added to daemon.json's lists beside the user's, so that exactly those can be taken back. */
  daemonJson: Record<string, string[]>
  /** The SSH users berth added to the docker group (which clean-host takes out again); absent when none. */
  dockerGroup?: string[]
}

export function parseHostMarker(text: string | undefined): HostMarker | undefined {
  if (text === undefined) return undefined
  try {
    const value = JSON.parse(text) as Partial<HostMarker>
    if (typeof value.machine !== 'string' || typeof value.store !== 'string' || typeof value.computer !== 'string') return undefined
    const dockerGroup = Array.isArray(value.dockerGroup) ? value.dockerGroup.filter((user): user is string => typeof user === 'string') : []
    return {machine: value.machine, store: value.store, computer: value.computer, files: value.files ?? {}, daemonJson: value.daemonJson ?? {}, ...(dockerGroup.length === 0 ? {} : {dockerGroup})}
  } catch {
    return undefined
  }
}

export function sameOwner(a: HostOwner, b: HostOwner): boolean {
  return a.machine === b.machine && a.store === b.store && a.computer === b.computer
}

export function describeOwner(owner: HostOwner): string {
  return `machine "${owner.machine}" of the berth store ${owner.store} on ${owner.computer}`
}
