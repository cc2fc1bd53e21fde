import {SEALED_RANGES} from './layout.js'
import {run, runOk} from './run.js'

/**
 * An address of the test ranges with no live host behind it (a host removed, powered off in a simulator, moved)
 * would otherwise follow this machine's default route off it, where something answers SSH and TLS: a test would
 * talk to a stranger. An `unreachable` route over each whole range makes such an address fail at once with "No
 * route to host"; live hosts have more specific routes (their veth's /30, their extra /32s), which win.
 * Call under the hosts' lock, with the first host.
 */
export async function sealTestRanges(): Promise<void> {
  for (const range of SEALED_RANGES) await runOk('ip', ['route', 'replace', 'unreachable', range])
}

/** Undo sealTestRanges once the last host is gone. Call under the hosts' lock. */
export async function unsealTestRanges(): Promise<void> {
  for (const range of SEALED_RANGES) await run('ip', ['route', 'del', 'unreachable', range])
}

/** Whether an IPv4 address lies inside a sealed range, so that a route to it can never lead off the machine. */
export function isSealed(address: string): boolean {
  const value = ipv4(address)
  return value !== undefined && SEALED_RANGES.some((range) => {
    const [base = '', bits = '32'] = range.split('/')
    const mask = Number(bits) === 0 ? 0 : (~0 << (32 - Number(bits))) >>> 0
    return ((value & mask) >>> 0) === ((ipv4(base)! & mask) >>> 0)
  })
}

function ipv4(address: string): number | undefined {
  const parts = address.split('.').map(Number)
  if (parts.length !== 4 || parts.some((part) => !Number.isInteger(part) || part < 0 || part > 255)) return undefined
  return parts.reduce((value, part) => ((value << 8) | part) >>> 0, 0)
}
