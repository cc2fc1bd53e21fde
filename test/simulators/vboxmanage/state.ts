import {readFile} from 'node:fs/promises'
import {join} from 'node:path'
import {writeFileAtomic} from '../../../src/core/store/files.js'

/** The environment variable naming the directory that holds the simulator's whole world. */
export const STATE_DIR_ENV = 'BERTH_VBOX_SIM_DIR'

export type VmState = 'poweroff' | 'running' | 'paused' | 'saved' | 'aborted'

export interface NatRule {
  name: string
  proto: 'tcp' | 'udp'
  hostIp: string
  hostPort: number
  guestIp: string
  guestPort: number
}

export interface Nic {
  /** none | null | nat | bridged | intnet | hostonly | hostonlynet | generic | natnetwork */
  type: string
  nictype: string
  mac: string
  cableconnected: 'on' | 'off'
  hostonlyadapter?: string
  hostonlynet?: string
  promisc?: string
  natpf: NatRule[]
  /** Other --xxxN settings (natdnshostresolverN, natdnsproxyN, ...), keyed without the number. */
  extra: Record<string, string>
}

export interface StorageController {
  name: string
  bus: 'ide' | 'sata' | 'scsi' | 'floppy' | 'sas' | 'usb' | 'pcie' | 'virtio'
  type: string
  portcount: number
  bootable: 'on' | 'off'
  hostiocache: 'on' | 'off'
}

export interface Attachment {
  controller: string
  port: number
  device: number
  type: 'hdd' | 'dvddrive' | 'fdd'
  /** Absolute path of the medium, or 'emptydrive' for an empty DVD drive. */
  medium: string
}

export interface Vm {
  uuid: string
  name: string
  folder: string
  cfgFile: string
  state: VmState
  stateChangeTime: string
  ostype: string
  memory: number
  cpus: number
  firmware: 'BIOS' | 'EFI' | 'EFI32' | 'EFI64' | 'EFIDUAL'
  ioapic: 'on' | 'off'
  acpi: 'on' | 'off'
  rtcuseutc: 'on' | 'off'
  boot: string[]
  nics: Record<string, Nic>
  controllers: StorageController[]
  attachments: Attachment[]
  guestProperties: Record<string, string>
  /** Permanent shared folders (`sharedfolder add`); absent in worlds written before they were simulated. */
  sharedFolders?: SharedFolder[]
  /** modifyvm settings the simulator only records (pae, hpet, uart1, ...). */
  extra: Record<string, string>
}

export interface SharedFolder {
  name: string
  hostPath: string
  automount: boolean
  readonly: boolean
}

export interface Medium {
  uuid: string
  location: string
  kind: 'hdd' | 'dvd'
  format: string
  capacityMb: number
}

export interface HostOnlyIf {
  name: string
  guid: string
  ip: string
  netmask: string
  dhcp: boolean
}

export interface HostOnlyNet {
  name: string
  guid: string
  netmask: string
  lowerIp: string
  upperIp: string
  enabled: boolean
}

export interface DhcpServer {
  networkName: string
  ip: string
  netmask: string
  lowerIp: string
  upperIp: string
  enabled: boolean
}

export interface World {
  vms: Vm[]
  media: Medium[]
  hostonlyifs: HostOnlyIf[]
  hostonlynets: HostOnlyNet[]
  dhcpservers: DhcpServer[]
  /** Calls so far per subcommand (the first argument), for failure injection. */
  calls: Record<string, number>
}

/**
 * A failure to inject, read from faults.json in the state directory: the `call`-th call (counted from the
 * first call the simulator ever saw) of `command` fails with `message` (VBoxManage's error lines), and so do
 * the `times - 1` calls after it. The failing call changes nothing.
 */
export interface Fault {
  command: string
  call: number
  times?: number
  message?: string[]
}

export function emptyWorld(): World {
  return {vms: [], media: [], hostonlyifs: [], hostonlynets: [], dhcpservers: [], calls: {}}
}

export const paths = (dir: string) => ({
  state: join(dir, 'state.json'),
  lock: join(dir, 'state.lock'),
  calls: join(dir, 'calls.jsonl'),
  faults: join(dir, 'faults.json'),
  networksConf: join(dir, 'networks.conf'),
  acpiIgnore: join(dir, 'acpi-ignore'),
  /** The host backing's unix socket (backing.ts); while it exists, state changes are reported there. */
  backing: join(dir, 'backing.sock'),
  machineFolder: join(dir, 'VirtualBox VMs'),
})

export async function loadWorld(dir: string): Promise<World> {
  const text = await readOptional(paths(dir).state)
  return text === undefined ? emptyWorld() : {...emptyWorld(), ...(JSON.parse(text) as Partial<World>)}
}

export async function saveWorld(dir: string, world: World): Promise<void> {
  await writeFileAtomic(paths(dir).state, `${JSON.stringify(world, null, 1)}\n`)
}

export async function loadFaults(dir: string): Promise<Fault[]> {
  const text = await readOptional(paths(dir).faults)
  return text === undefined ? [] : (JSON.parse(text) as Fault[])
}

export async function readOptional(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw error
  }
}

// IPv4 arithmetic for host-only networks.

export function ipToInt(ip: string): number | undefined {
  const parts = ip.split('.')
  if (parts.length !== 4) return undefined
  let value = 0
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part) || Number(part) > 255) return undefined
    value = value * 256 + Number(part)
  }
  return value
}

export function intToIp(value: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join('.')
}

export function prefixOfMask(mask: string): number | undefined {
  const value = ipToInt(mask)
  if (value === undefined) return undefined
  const bits = value.toString(2).padStart(32, '0')
  return /^1*0*$/.test(bits) ? bits.indexOf('0') === -1 ? 32 : bits.indexOf('0') : undefined
}

export interface Range {
  start: number
  end: number
}

export function cidrRange(cidr: string): Range | undefined {
  const [ip, prefixText] = cidr.split('/')
  const base = ipToInt(ip ?? '')
  const prefix = Number(prefixText)
  if (base === undefined || !Number.isInteger(prefix) || prefix < 0 || prefix > 32) return undefined
  const size = 2 ** (32 - prefix)
  const start = base - (base % size)
  return {start, end: start + size - 1}
}

export function networkRange(ip: string, mask: string): Range | undefined {
  const prefix = prefixOfMask(mask)
  return prefix === undefined ? undefined : cidrRange(`${ip}/${prefix}`)
}

export const overlaps = (a: Range, b: Range) => a.start <= b.end && b.start <= a.end

/**
 * The ranges host-only networks may use (VirtualBox >= 6.1.28 on Linux and macOS): 192.168.56.0/21 unless
 * /etc/vbox/networks.conf says otherwise, with lines like `* 10.0.0.0/8 192.168.0.0/16`. The simulator reads
 * networks.conf from its state directory instead of /etc/vbox, so that tests never depend on the host's file.
 */
export function allowedRanges(networksConf: string | undefined): Range[] {
  if (networksConf === undefined) return [cidrRange('192.168.56.0/21')!]
  const ranges: Range[] = []
  for (const line of networksConf.split('\n')) {
    const words = line.trim().split(/\s+/)
    if (words[0] !== '*') continue
    for (const word of words.slice(1)) {
      const range = cidrRange(word)
      if (range) ranges.push(range)
    }
  }
  return ranges
}
