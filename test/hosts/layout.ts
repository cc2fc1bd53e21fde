import {join} from 'node:path'

/** Everything the hosts keep on disk; each host's /var/lib/docker lives here, so it must not be a tmpfs. */
export const STATE_ROOT = '/tmp/berth-testhosts'
export const LOCK_PATH = join(STATE_ROOT, '.lock')
/** The host index handed out last; the next host takes the next free one after it. */
export const LAST_INDEX = join(STATE_ROOT, 'last-index')
/** What the first host changed in the root namespace, so that the last one can put it back. */
export const FORWARDING_STATE = join(STATE_ROOT, 'forwarding.json')

/** Host N gets SUBNET.N.0/30: the root side is .1, the host .2. */
export const SUBNET = '10.232'
export const SUBNET_CIDR = `${SUBNET}.0.0/16`
/**
 * Every address a test may connect to besides loopback: the hosts' own range, VirtualBox's default host-only range
 * (where the VBoxManage simulator's VMs take their static addresses), and the benchmarking range 198.18.0.0/15
 * (the EC2 simulator's instances without a host). While any host or seal lease exists, each range has an
 * `unreachable` route in the root namespace (seal.ts), so none of its addresses can lead off this machine.
 */
export const SEALED_RANGES: readonly string[] = [SUBNET_CIDR, '192.168.56.0/21', '198.18.0.0/15']
/** A process that needs the seal without a host (a simulator with host-less instances) holds a lease file. */
export const SEAL_LEASE = /^seal-\d+-[0-9a-f]+$/
export const MAX_INDEX = 254
/** Root-side veth names; iptables matches them with `${VETH_PREFIX}+`. */
export const VETH_PREFIX = 'berth-v'
export const RULE_COMMENT = 'berth-testhosts'

/** The PATH every process started inside a host gets. */
export const HOST_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'

/** The global names and paths of the host with a given index (unique on this machine while it lives). */
export interface HostLayout {
  index: number
  dir: string
  veth: string
  ip: string
  gateway: string
  cgroupLeaf: string
  /** tmpfs with the overlay's upper and work dirs; mounted only in the host's namespaces. */
  layers: string
  /** The host's root (an overlay of the machine's /), as seen from the host's holder process. */
  root: string
  dockerDir: string
  recordPath: string
  consoleLog: string
  keyPath: string
}

export function hostLayout(index: number): HostLayout {
  const dir = join(STATE_ROOT, hostDirName(index))
  const layers = join(dir, 'layers')
  return {
    index,
    dir,
    veth: `${VETH_PREFIX}${index}`,
    ip: `${SUBNET}.${index}.2`,
    gateway: `${SUBNET}.${index}.1`,
    cgroupLeaf: `berth-testhost-${index}`,
    layers,
    root: join(layers, 'root'),
    dockerDir: join(dir, 'docker'),
    recordPath: join(dir, 'host.json'),
    consoleLog: join(dir, 'console.log'),
    keyPath: join(dir, 'id_ed25519'),
  }
}

export function hostDirName(index: number): string {
  return `h${index}`
}

export function indexOfHostDir(name: string): number | undefined {
  const match = /^h(\d{1,3})$/.exec(name)
  const index = match ? Number(match[1]) : NaN
  return index >= 1 && index <= MAX_INDEX ? index : undefined
}
