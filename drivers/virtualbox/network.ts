/**
 * The host-only network of a VirtualBox machine, as pure functions: CIDR arithmetic, the ranges VirtualBox allows,
 * and the choice of a network and of the machine's fixed address in it. Nothing here runs VBoxManage or reads files.
 */

export interface Range {
  start: number
  end: number
}

/** A host-only network as its host side sees it: the host's address in it and the prefix length. */
export interface Cidr {
  /** The host's address on the interface, e.g. 192.168.56.1. */
  ip: string
  prefix: number
}

/** A host-only interface as `VBoxManage list hostonlyifs` shows it. */
export interface HostOnlyInterface {
  name: string
  ip: string
  netmask: string
}

/** One route of the host's IPv4 routing table. */
export interface HostRoute {
  range: Range
  device: string
}

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

export function prefixToMask(prefix: number): string {
  return intToIp(prefix === 0 ? 0 : (2 ** 32 - 2 ** (32 - prefix)))
}

export function maskToPrefix(mask: string): number | undefined {
  const value = ipToInt(mask)
  if (value === undefined) return undefined
  const bits = value.toString(2).padStart(32, '0')
  if (!/^1*0*$/.test(bits)) return undefined
  const zero = bits.indexOf('0')
  return zero === -1 ? 32 : zero
}

export function rangeOf(ip: string, prefix: number): Range {
  const size = 2 ** (32 - prefix)
  const start = ipToInt(ip)! - (ipToInt(ip)! % size)
  return {start, end: start + size - 1}
}

export const cidrRange = (cidr: Cidr): Range => rangeOf(cidr.ip, cidr.prefix)
export const cidrText = (cidr: Cidr): string => `${cidr.ip}/${cidr.prefix}`
export const rangeText = (range: Range): string => `${intToIp(range.start)}/${32 - Math.log2(range.end - range.start + 1)}`
export const overlaps = (a: Range, b: Range): boolean => a.start <= b.end && b.start <= a.end
const inside = (inner: Range, outer: Range): boolean => outer.start <= inner.start && inner.end <= outer.end

/** The smallest network berth makes: room for the host, a DHCP server and some machines. */
const LONGEST_PREFIX = 29

/**
 * Reads --virtualbox-hostonly-cidr: the host's address in the network and its prefix (192.168.56.1/24), as
 * Docker Machine took it. Returns the reason it is not one, as a string.
 */
export function parseCidr(text: string): Cidr | string {
  const match = /^(\d+\.\d+\.\d+\.\d+)\/(\d{1,2})$/.exec(text.trim())
  if (match === null || ipToInt(match[1]!) === undefined) return `"${text}" is not an IPv4 address with a prefix length, as 192.168.56.1/24`
  const prefix = Number(match[2])
  if (prefix < 8 || prefix > LONGEST_PREFIX) return `the prefix length of ${text} must be from 8 to ${LONGEST_PREFIX}`
  const cidr = {ip: match[1]!, prefix}
  const range = cidrRange(cidr)
  const ip = ipToInt(cidr.ip)!
  if (ip === range.start || ip === range.end) return `${text} names the network's ${ip === range.start ? 'own' : 'broadcast'} address; give the host's address in it, as ${intToIp(range.start + 1)}/${prefix}`
  return cidr
}

/**
 * The ranges VirtualBox >= 6.1.28 lets host-only networks use on Linux and macOS: 192.168.56.0/21, unless
 * /etc/vbox/networks.conf lists others on lines like `* 10.0.0.0/8 192.168.0.0/16`.
 */
export function allowedRanges(networksConf: string | undefined): Range[] {
  if (networksConf === undefined) return [rangeOf('192.168.56.0', 21)]
  const ranges: Range[] = []
  for (const line of networksConf.split('\n')) {
    const words = line.replace(/#.*/, '').trim().split(/\s+/)
    if (words[0] !== '*') continue
    for (const word of words.slice(1)) {
      const [ip, prefix] = word.split('/')
      if (ip !== undefined && ipToInt(ip) !== undefined && /^\d{1,2}$/.test(prefix ?? '') && Number(prefix) <= 32) ranges.push(rangeOf(ip, Number(prefix)))
    }
  }
  return ranges
}

/** Whether VirtualBox restricts host-only ranges: from 6.1.28 on, on every host but Windows. */
export function restrictsRanges(version: string, platform: NodeJS.Platform): boolean {
  if (platform === 'win32') return false
  const [major = 0, minor = 0, patch = 0] = (/^(\d+)\.(\d+)\.(\d+)/.exec(version) ?? []).slice(1).map(Number)
  return major > 6 || (major === 6 && (minor > 1 || (minor === 1 && patch >= 28)))
}

/** How a network's addresses are used: the host's, the DHCP server's and its lease range, and the machines'. */
export interface NetworkPlan {
  hostIp: string
  netmask: string
  dhcpServerIp: string
  dhcpLower: string
  dhcpUpper: string
  /** The addresses berth gives machines, lowest first. */
  machineAddresses: string[]
}

/**
 * The lower half of the network holds machines' fixed addresses (from .10 in a /24 or larger), the upper half is
 * left to the DHCP server for other VMs, with the server at the top of the lower half.
 */
export function planNetwork(cidr: Cidr): NetworkPlan {
  const range = cidrRange(cidr)
  const size = range.end - range.start + 1
  const half = range.start + size / 2
  const host = ipToInt(cidr.ip)!
  const dhcpServer = half - 1 === host ? half - 2 : half - 1
  const machineAddresses: string[] = []
  for (let address = range.start + (size >= 64 ? 10 : 2); address < half - 1; address++) {
    if (address !== host && address !== dhcpServer) machineAddresses.push(intToIp(address))
  }
  return {
    hostIp: cidr.ip,
    netmask: prefixToMask(cidr.prefix),
    dhcpServerIp: intToIp(dhcpServer),
    dhcpLower: intToIp(half),
    dhcpUpper: intToIp(range.end - 1),
    machineAddresses,
  }
}

/** What the chooser knows: what VirtualBox has, what berth made, what the host routes, what the user asked for. */
export interface NetworkFacts {
  /** --virtualbox-hostonly-cidr, when given. */
  requested?: Cidr
  /** The ranges VirtualBox allows; undefined when it allows any. */
  allowed: Range[] | undefined
  interfaces: readonly HostOnlyInterface[]
  /** VirtualBox 7's host-only networks (`list hostonlynets`), which a new network must not overlap either. */
  hostOnlyNetworks?: readonly HostOnlyInterface[]
  /** The interfaces berth made, by name, with the CIDR it gave each. */
  berthMade: Readonly<Record<string, string>>
  routes: readonly HostRoute[]
  /** The addresses already given to machines, per interface name. */
  leased: Readonly<Record<string, readonly string[]>>
  /** What a DHCP server on an interface hands out (its own address and lease range), per interface name. */
  dhcp?: Readonly<Record<string, {serverIp: string, lower: string, upper: string}>>
  /** The networks.conf VirtualBox reads, for hints (default /etc/vbox/networks.conf). */
  networksConf?: string
}

export type NetworkChoice =
  | {action: 'reuse', interfaceName: string, cidr: Cidr, address: string}
  | {action: 'create', cidr: Cidr, address: string}

/** Why no network can be chosen: a one-line message and what to do. */
export class NetworkChoiceError extends Error {
  constructor(message: string, readonly hint: string) {
    super(message)
  }
}

const sameCidr = (a: Cidr, text: string): boolean => cidrText(a) === text

/** The networks tried when the user names none: the /24s of the allowed ranges, host at .1, lowest first. */
export function candidateNetworks(allowed: Range[] | undefined): Cidr[] {
  const ranges = allowed ?? [rangeOf('192.168.56.0', 21)]
  const candidates: Cidr[] = []
  for (const range of ranges) {
    const size = range.end - range.start + 1
    if (size < 256) {
      if (size >= 2 ** (32 - LONGEST_PREFIX)) candidates.push({ip: intToIp(range.start + 1), prefix: 32 - Math.log2(size)})
      continue
    }
    for (let start = range.start; start < range.end && candidates.length < 256; start += 256) candidates.push({ip: intToIp(start + 1), prefix: 24})
  }
  return candidates
}

/** The first address of the network no machine holds and no DHCP server there hands out, if any. */
function freeAddress(cidr: Cidr, leased: readonly string[] = [], dhcp?: {serverIp: string, lower: string, upper: string}): string | undefined {
  const lower = ipToInt(dhcp?.lower ?? '')
  const upper = ipToInt(dhcp?.upper ?? '')
  const served = (address: string): boolean => address === dhcp?.serverIp || (lower !== undefined && upper !== undefined && ipToInt(address)! >= lower && ipToInt(address)! <= upper)
  return planNetwork(cidr).machineAddresses.find((address) => !leased.includes(address) && !served(address))
}

/** What a new network at cidr would collide with: another host-only network, or a host route. */
export function collision(cidr: Cidr, facts: Pick<NetworkFacts, 'interfaces' | 'hostOnlyNetworks' | 'routes'>): string | undefined {
  const range = cidrRange(cidr)
  const hostOnlyNames = new Set(facts.interfaces.map((hif) => hif.name))
  for (const hif of [...facts.interfaces, ...(facts.hostOnlyNetworks ?? [])]) {
    const prefix = maskToPrefix(hif.netmask)
    if (prefix === undefined || ipToInt(hif.ip) === undefined) continue
    const other = rangeOf(hif.ip, prefix)
    if (overlaps(range, other)) return `the host-only network of ${hif.name} (${rangeText(other)})`
  }
  for (const route of facts.routes) {
    // A host-only interface's own route is that network, already compared above.
    if (hostOnlyNames.has(route.device)) continue
    if (overlaps(range, route.range)) return `the host's route to ${rangeText(route.range)} on ${route.device}`
  }
  return undefined
}

/**
 * Choose the machine's host-only network and its fixed address in it. A network berth made for the same CIDR is
 * reused while it has a free address; otherwise a new one is made where it collides with no host-only network and
 * no host route. With a requested CIDR, only that network is considered (an existing interface with exactly that
 * address and mask is used, whoever made it).
 */
export function chooseNetwork(facts: NetworkFacts): NetworkChoice {
  const existing = (cidr: Cidr): HostOnlyInterface | undefined => facts.interfaces.find((hif) => hif.ip === cidr.ip && maskToPrefix(hif.netmask) === cidr.prefix)
  if (facts.requested !== undefined) {
    const cidr = facts.requested
    const text = cidrText(cidr)
    if (facts.allowed !== undefined && !facts.allowed.some((range) => inside(cidrRange(cidr), range))) throw notAllowed(cidr, facts.allowed, facts.networksConf ?? NETWORKS_CONF)
    const found = existing(cidr)
    if (found !== undefined) {
      const address = freeAddress(cidr, facts.leased[found.name], facts.dhcp?.[found.name])
      if (address === undefined) throw new NetworkChoiceError(`The host-only network ${text} (${found.name}) has no free address for another machine.`, 'Remove a machine in it, or choose another --virtualbox-hostonly-cidr.')
      return {action: 'reuse', interfaceName: found.name, cidr, address}
    }
    const collides = collision(cidr, facts)
    if (collides !== undefined) throw new NetworkChoiceError(`The host-only network ${text} overlaps ${collides}.`, 'Choose another --virtualbox-hostonly-cidr, or leave it out and berth picks a free network.')
    return {action: 'create', cidr, address: freeAddress(cidr)!}
  }
  const candidates = candidateNetworks(facts.allowed)
  for (const cidr of candidates) {
    const found = existing(cidr)
    if (found === undefined || !sameCidr(cidr, facts.berthMade[found.name] ?? '')) continue
    const address = freeAddress(cidr, facts.leased[found.name], facts.dhcp?.[found.name])
    if (address !== undefined) return {action: 'reuse', interfaceName: found.name, cidr, address}
  }
  for (const cidr of candidates) {
    if (existing(cidr) !== undefined || collision(cidr, facts) !== undefined) continue
    return {action: 'create', cidr, address: freeAddress(cidr)!}
  }
  const where = facts.allowed === undefined ? '192.168.56.0/21' : facts.allowed.map(rangeText).join(', ')
  throw new NetworkChoiceError(`No free host-only network in ${where}: each overlaps a host route or another host-only network, or is full.`, `Allow more ranges in ${facts.networksConf ?? NETWORKS_CONF} (a line "* 10.0.0.0/8"), remove unused host-only networks, or pass --virtualbox-hostonly-cidr.`)
}

const NETWORKS_CONF = '/etc/vbox/networks.conf'

function notAllowed(cidr: Cidr, allowed: Range[], networksConf: string): NetworkChoiceError {
  const ranges = allowed.length === 0 ? 'none' : allowed.map(rangeText).join(', ')
  return new NetworkChoiceError(
    `VirtualBox does not allow the host-only network ${cidrText(cidr)}: it allows only ${ranges}.`,
    `Choose a --virtualbox-hostonly-cidr inside ${ranges}, or allow the range in ${networksConf} (a line "* ${rangeText(cidrRange(cidr))}").`,
  )
}

/** The RTF_REJECT flag of /proc/net/route: an `unreachable` or `prohibit` route, which leads nowhere. */
const RTF_REJECT = 0x0200

/**
 * Linux's /proc/net/route: hexadecimal little-endian destination and mask per line. A reject route is left out:
 * nothing answers behind it, so a host-only network there takes nothing from anyone (its own route is more specific).
 */
export function parseProcNetRoute(text: string): HostRoute[] {
  const routes: HostRoute[] = []
  for (const line of text.split('\n').slice(1)) {
    const fields = line.trim().split(/\s+/)
    if (fields.length < 8 || (Number.parseInt(fields[3]!, 16) & RTF_REJECT) !== 0) continue
    const destination = littleEndian(fields[1]!)
    const mask = littleEndian(fields[7]!)
    const prefix = maskToPrefix(intToIp(mask))
    if (prefix === undefined || prefix === 0) continue
    routes.push({range: rangeOf(intToIp(destination), prefix), device: fields[0]!})
  }
  return routes
}

const littleEndian = (hex: string): number => {
  const value = Number.parseInt(hex, 16)
  return ((value & 0xff) * 2 ** 24) + (((value >>> 8) & 0xff) << 16) + (((value >>> 16) & 0xff) << 8) + ((value >>> 24) & 0xff)
}

/**
 * macOS's `netstat -rn -f inet`: destinations as 192.168.1, 10/8, 192.168.1.5 (a host), or default. Reject (R) and
 * blackhole (B) routes lead nowhere and are left out, as on Linux.
 */
export function parseNetstatRoutes(text: string): HostRoute[] {
  const routes: HostRoute[] = []
  for (const line of text.split('\n')) {
    const fields = line.trim().split(/\s+/)
    const destination = fields[0] ?? ''
    const device = fields[3] ?? ''
    const match = /^(\d+(?:\.\d+){0,3})(?:\/(\d+))?$/.exec(destination)
    if (match === null || /[RB]/.test(fields[2] ?? '')) continue
    const octets = match[1]!.split('.')
    const prefix = match[2] !== undefined ? Number(match[2]) : octets.length * 8
    const ip = [...octets, '0', '0', '0'].slice(0, 4).join('.')
    if (ipToInt(ip) === undefined || prefix === 0 || prefix > 32) continue
    routes.push({range: rangeOf(ip, prefix), device})
  }
  return routes
}
