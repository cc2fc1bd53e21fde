import {isIP} from 'node:net'
import {BerthError} from '../errors.js'
import {renderTemplate} from './templates.js'

/**
 * The cloud-init NoCloud seed of a local VM (meta-data, user-data and network-config) rendered from templates/vm/;
 * the VM drivers write it as the cidata volume (src/core/vm/cloud-init.ts).
 */

interface SeedNic {
  /** The NIC's MAC address, with or without separators (VirtualBox writes 080027AABBCC). */
  mac: string
  /** A static address with its prefix length (192.168.56.10/24); without one the NIC asks DHCP. */
  address?: string
  gateway?: string
  dns?: readonly string[]
}

export interface SeedOptions {
  hostname: string
  /** The user berth logs in as; gets passwordless sudo and no password. */
  user: string
  /** One line of an authorized_keys file ("ssh-ed25519 AAAA... comment"). */
  sshPublicKey: string
  /** cloud-init runs its once-per-instance steps again when this changes; iid-<hostname> unless given. */
  instanceId?: string
  /** The NICs to configure; none leaves networking to cloud-init's fallback (DHCP on the first NIC). */
  nics?: readonly SeedNic[]
}

export interface SeedFiles {
  'meta-data': string
  'user-data': string
  'network-config'?: string
}

export async function renderCloudInitSeed(options: SeedOptions): Promise<SeedFiles> {
  for (const [field, value] of [['hostname', options.hostname], ['user', options.user], ['sshPublicKey', options.sshPublicKey]] as const) {
    if (value.trim() === '') throw new BerthError(`The cloud-init seed needs a ${field}.`, {code: 'seed-image'})
  }
  const metaData = await renderTemplate('vm/meta-data.yaml', {
    instanceId: yamlString(options.instanceId ?? `iid-${options.hostname}`),
    hostname: yamlString(options.hostname),
  })
  const userData = await renderTemplate('vm/user-data.yaml', {
    user: yamlString(options.user),
    sshPublicKey: yamlString(options.sshPublicKey.trim()),
  })
  const files: SeedFiles = {'meta-data': metaData, 'user-data': userData}
  if (options.nics !== undefined && options.nics.length > 0) {
    const ethernets: string[] = []
    for (const [index, nic] of options.nics.entries()) ethernets.push(await renderNic(index, nic))
    files['network-config'] = await renderTemplate('vm/network-config.yaml', {ethernets: ethernets.join('').replace(/\n$/, '')})
  }
  return files
}

async function renderNic(index: number, nic: SeedNic): Promise<string> {
  const mac = normalizeMac(nic.mac)
  if (nic.address === undefined && (nic.gateway !== undefined || (nic.dns?.length ?? 0) > 0)) {
    throw new BerthError(`NIC ${mac} has a gateway or DNS servers but no static address.`, {code: 'seed-image'})
  }
  const addresses = nic.address === undefined ? [] : [checkCidr(nic.address)]
  const routes = nic.gateway === undefined ? [] : [`{to: ${yamlString(defaultRoute(checkIp(nic.gateway, 'gateway')))}, via: ${yamlString(nic.gateway)}}`]
  const nameservers = (nic.dns ?? []).map((server) => yamlString(checkIp(server, 'DNS server')))
  return renderTemplate('vm/network-config-ethernet.yaml', {
    id: `berth${index}`,
    mac: yamlString(mac),
    dhcp4: nic.address === undefined ? 'true' : 'false',
    addresses: addresses.map(yamlString).join(', '),
    routes: routes.join(', '),
    nameservers: nameservers.join(', '),
  })
}

function normalizeMac(mac: string): string {
  const hex = mac.replace(/[:-]/g, '').toLowerCase()
  if (!/^[0-9a-f]{12}$/.test(hex)) throw new BerthError(`Invalid MAC address ${JSON.stringify(mac)}.`, {code: 'seed-image'})
  return hex.match(/../g)!.join(':')
}

function checkCidr(cidr: string): string {
  const match = /^([^/]+)\/(\d{1,3})$/.exec(cidr)
  const family = match === null ? 0 : isIP(match[1]!)
  if (match === null || family === 0 || Number(match[2]) > (family === 4 ? 32 : 128)) {
    throw new BerthError(`Invalid static address ${JSON.stringify(cidr)}: give an IP address with its prefix length, as 192.168.56.10/24.`, {code: 'seed-image'})
  }
  return cidr
}

function checkIp(ip: string, what: string): string {
  if (isIP(ip) === 0) throw new BerthError(`Invalid ${what} ${JSON.stringify(ip)}: not an IP address.`, {code: 'seed-image'})
  return ip
}

function defaultRoute(gateway: string): string {
  return isIP(gateway) === 4 ? '0.0.0.0/0' : '::/0'
}

/**
 * A YAML double-quoted scalar that reads back as exactly value, whatever it holds: quotes and backslashes
 * escaped, and every character YAML would fold, reject or read as a line break written as an escape.
 * A lone UTF-16 surrogate (which no file can hold) becomes U+FFFD.
 */
export function yamlString(value: string): string {
  let out = '"'
  for (const ch of value) {
    const cp = ch.codePointAt(0)!
    if (ch === '"') out += '\\"'
    else if (ch === '\\') out += '\\\\'
    else if (cp >= 0x20 && cp <= 0x7e) out += ch
    else if (cp === 0x0a) out += '\\n'
    else if (cp === 0x09) out += '\\t'
    else if (cp === 0x0d) out += '\\r'
    else if (cp >= 0xd800 && cp <= 0xdfff) out += '\\uFFFD'
    else if (isPlainPrintable(cp)) out += ch
    else out += cp <= 0xff ? `\\x${hex(cp, 2)}` : cp <= 0xffff ? `\\u${hex(cp, 4)}` : `\\U${hex(cp, 8)}`
  }
  return `${out}"`
}

/** Printable in YAML (1.1 and 1.2) and not a line break or byte order mark. */
function isPlainPrintable(cp: number): boolean {
  if (cp === 0x2028 || cp === 0x2029 || cp === 0xfeff) return false
  return (cp >= 0xa0 && cp <= 0xd7ff) || (cp >= 0xe000 && cp <= 0xfffd) || (cp >= 0x10000 && cp <= 0x10ffff)
}

function hex(cp: number, width: number): string {
  return cp.toString(16).toUpperCase().padStart(width, '0')
}
