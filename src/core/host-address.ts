import {isIPv6} from 'node:net'
import {UsageError} from './errors.js'
import {quoteValue} from './safe-text.js'

/** What berth accepts where it takes a host's address, as a usage error says it. */

const MAX_NAME_LENGTH = 253
const MAX_LABEL_LENGTH = 63
// A part of a numeric address as a resolver reads one: decimal, octal with a leading 0, or hex with 0x.
const NUMERIC_PART = /^(?:\d+|0x[0-9a-f]*)$/i

/**
 * Why `value` is not an IPv4 address (a dotted quad of 0-255), an IPv6 address or an RFC 1123 host name, or
 * undefined when it is one. Numbers that are not a dotted quad ("1.2.3", "0x7f.1") are refused rather than taken
 * as a name: the system's resolver would read them as another address (1.2.3 is 1.2.0.3).
 */
export function hostAddressProblem(value: string): string | undefined {
  if (value === '') return 'it is empty'
  if (value.startsWith('[') && value.endsWith(']') && isIPv6(value.slice(1, -1))) return 'an IPv6 address is given here without brackets'
  if (value.includes(':')) return isIPv6(value) ? undefined : 'it is not a valid IPv6 address'
  const labels = (value.endsWith('.') ? value.slice(0, -1) : value).split('.')
  if (labels.some((label) => label !== '') && labels.every((label) => label === '' || NUMERIC_PART.test(label))) return ipv4Problem(value)
  const bad = /[^A-Za-z0-9.-]/u.exec(value)
  if (bad !== null) return `${quoteValue(bad[0])} cannot be part of a host name`
  if (value.length > MAX_NAME_LENGTH) return `it is ${value.length} characters long; a host name has at most ${MAX_NAME_LENGTH}`
  if (labels.some((label) => label === '')) return 'it has an empty label (two dots in a row, or a dot at the start)'
  const long = labels.find((label) => label.length > MAX_LABEL_LENGTH)
  if (long !== undefined) return `its label ${quoteValue(long)} is longer than ${MAX_LABEL_LENGTH} characters`
  const hyphen = labels.find((label) => label.startsWith('-') || label.endsWith('-'))
  if (hyphen !== undefined) return `its label ${quoteValue(hyphen)} starts or ends with a hyphen`
  if (NUMERIC_PART.test(labels.at(-1)!)) return 'a host name cannot end in a label of digits only'
  return undefined
}

/** Why `value` is not an IPv4 address in dotted-quad form (each part 0-255, no leading zeros), or undefined. */
export function ipv4Problem(value: string): string | undefined {
  const parts = value.split('.')
  if (parts.length !== 4) return `it has ${parts.length} ${parts.length === 1 ? 'part' : 'parts'}; an IPv4 address has 4`
  for (const part of parts) {
    if (part === '') return 'it has an empty part'
    if (!/^\d+$/.test(part)) return `${quoteValue(part)} is not a decimal number`
    if (part.length > 1 && part.startsWith('0')) return `${quoteValue(part)} has a leading zero, which some programs read as octal`
    if (Number(part) > 255) return `${part} is more than 255`
  }
  return undefined
}

/** The value when it is an address or host name; otherwise a usage error naming the flag, the value and what is accepted. */
export function checkHostAddress(flag: string, value: string): string {
  const problem = hostAddressProblem(value)
  if (problem !== undefined) throw new UsageError(`${flag} ${quoteValue(value)} is not an address or host name: ${problem}.`, {code: 'address-invalid', data: {flag, value, problem, expected: 'host'}})
  return value
}

/** The value when it is an IPv4 address in dotted-quad form; otherwise a usage error naming the flag and the value. */
export function checkIpv4Address(flag: string, value: string): string {
  const problem = ipv4Problem(value)
  if (problem !== undefined) throw new UsageError(`${flag} ${quoteValue(value)} is not an IPv4 address: ${problem}.`, {code: 'address-invalid', data: {flag, value, problem, expected: 'ipv4'}})
  return value
}

// scheme://[userinfo@]host: the host as typed, an IPv6 address in its brackets.
const URL_HOST = /^[a-z][a-z0-9+.-]*:\/\/(?:[^@/?#]*@)?(\[[^\]]*\]|[^:/?#]*)/i

/**
 * Check the host of a URL as it was typed, before a URL parser reads it: WHATWG's parser quietly turns the host
 * "1.2.3" of an http URL into 1.2.0.3. A URL without "scheme://" is left to the caller's own URL check.
 */
export function checkUrlHost(flag: string, url: string): void {
  const host = URL_HOST.exec(url)?.[1]
  if (host === undefined) return
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host
  const problem = host !== bare && !isIPv6(bare) ? 'it is not a valid IPv6 address' : hostAddressProblem(bare)
  if (problem !== undefined) {
    throw new UsageError(`${flag} ${quoteValue(url)} does not name a host: ${quoteValue(host)} is not an address or host name (${problem}).`, {code: 'address-invalid', data: {flag, value: url, problem, expected: 'host', host}})
  }
}
