/** IPv4 address ranges, for the virtual network rules (subnets inside the address space, no overlaps). */
export interface Cidr {
  base: number
  bits: number
}

export function parseCidr(text: string): Cidr | undefined {
  const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(text)
  if (match === null) return undefined
  const octets = match.slice(1, 5).map(Number)
  const bits = Number(match[5])
  if (octets.some((octet) => octet > 255) || bits > 32) return undefined
  return {base: (octets.reduce((sum, octet) => sum * 256 + octet, 0) & mask(bits)) >>> 0, bits}
}

export function parseAddress(text: string): number | undefined {
  return parseCidr(`${text}/32`)?.base
}

export function formatAddress(value: number): string {
  return [24, 16, 8, 0].map((shift) => (value >>> shift) & 255).join('.')
}

export function contains(outer: Cidr, inner: Cidr): boolean {
  return inner.bits >= outer.bits && ((inner.base & mask(outer.bits)) >>> 0) === outer.base
}

export function containsAddress(range: Cidr, address: number): boolean {
  return ((address & mask(range.bits)) >>> 0) === range.base
}

export function overlaps(a: Cidr, b: Cidr): boolean {
  return contains(a, b) || contains(b, a)
}

export function size(range: Cidr): number {
  return 2 ** (32 - range.bits)
}

function mask(bits: number): number {
  return bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0
}
