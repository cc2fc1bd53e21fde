import {isIP} from 'node:net'
import {domainToASCII} from 'node:url'
import {UsageError} from '../errors.js'
import {ipv4Problem} from '../host-address.js'
import {quoteValue} from '../safe-text.js'

type SubjectAltName = {type: 'ip'; address: string; bytes: Buffer} | {type: 'dns'; name: string}

/**
 * Turn the SAN strings of a server certificate (--tls-san values, the host's addresses, localhost) into
 * IP and DNS entries, as Docker Machine does: what parses as an address is an IP SAN, anything else a DNS
 * name. Duplicates are dropped (addresses compared as bytes, names without case); the first spelling wins.
 */
export function parseSubjectAltNames(values: readonly string[]): SubjectAltName[] {
  const seen = new Set<string>()
  const result: SubjectAltName[] = []
  for (const raw of values) {
    const value = raw.trim()
    if (value === '') continue
    const entry = toEntry(value)
    const key = entry.type === 'ip' ? `ip:${entry.bytes.toString('hex')}` : `dns:${entry.name.toLowerCase()}`
    if (seen.has(key)) continue
    seen.add(key)
    result.push(entry)
  }
  return result
}

function toEntry(value: string): SubjectAltName {
  const address = value.replace(/^\[(.*)\]$/, '$1').replace(/%.*$/, '')
  const family = isIP(address)
  if (family === 4) return {type: 'ip', address, bytes: ipv4Bytes(address)}
  if (family === 6) return {type: 'ip', address, bytes: ipv6Bytes(address)}
  // Numbers that are not an address ("1.2.3", "999.1.1.1") were meant as one: as a DNS SAN they would match nothing.
  if (/^[\d.]+$/.test(address)) {
    const problem = ipv4Problem(address) ?? 'not a dotted quad'
    throw new UsageError(`${quoteValue(value)} is not an IPv4 address (${problem}), so it cannot be a certificate SAN.`, {code: 'tls-san-invalid', data: {value, kind: 'not-ipv4', problem}})
  }
  // A DNS SAN is an IA5String: international names go in as punycode.
  const name = /^[\x21-\x7e]+$/.test(value) ? value : domainToASCII(value)
  if (!/^[A-Za-z0-9*_.-]+$/.test(name)) {
    throw new UsageError(`${quoteValue(value)} is neither an IP address nor a DNS name, so it cannot be a certificate SAN.`, {code: 'tls-san-invalid', data: {value, kind: 'not-a-name'}})
  }
  return {type: 'dns', name}
}

function ipv4Bytes(address: string): Buffer {
  return Buffer.from(address.split('.').map(Number))
}

/** The 16 bytes of an IPv6 address already accepted by isIP ('::' shorthand and a dotted IPv4 tail allowed). */
function ipv6Bytes(address: string): Buffer {
  const groups = (part: string): number[] => {
    if (part === '') return []
    return part.split(':').flatMap((group) => {
      if (!group.includes('.')) return [Number.parseInt(group, 16)]
      const [a = 0, b = 0, c = 0, d = 0] = ipv4Bytes(group)
      return [(a << 8) | b, (c << 8) | d]
    })
  }
  const [head = '', tail] = address.split('::')
  const front = groups(head)
  const back = tail === undefined ? [] : groups(tail)
  const all = [...front, ...new Array<number>(8 - front.length - back.length).fill(0), ...back]
  const bytes = Buffer.alloc(16)
  all.forEach((group, index) => bytes.writeUInt16BE(group, index * 2))
  return bytes
}
