const NANOS_PER_MS = 1_000_000
const SECOND = 1_000_000_000n

/**
 * Go's time.Duration.String for a duration in milliseconds (fractions down to nanoseconds):
 * 0s, 850µs, 4ms, 1.5s, 2m3s, 1h0m0s — what Docker Machine prints for ResponseTime.
 */
export function formatGoDuration(ms: number): string {
  const total = BigInt(Math.round(ms * NANOS_PER_MS))
  if (total === 0n) return '0s'
  const sign = total < 0n ? '-' : ''
  const ns = total < 0n ? -total : total
  // Under a second Go switches to the largest unit that keeps a whole number in front.
  if (ns < 1_000n) return `${sign}${ns}ns`
  if (ns < 1_000_000n) return `${sign}${decimal(ns, 3)}µs`
  if (ns < SECOND) return `${sign}${decimal(ns, 6)}ms`
  const seconds = `${decimal(ns % (60n * SECOND), 9)}s`
  const minutes = (ns / (60n * SECOND)) % 60n
  const hours = ns / (3600n * SECOND)
  if (hours > 0n) return `${sign}${hours}h${minutes}m${seconds}`
  if (minutes > 0n) return `${sign}${minutes}m${seconds}`
  return sign + seconds
}

/** `value` divided by 10^digits, without trailing zeros in the fraction. */
function decimal(value: bigint, digits: number): string {
  const scale = 10n ** BigInt(digits)
  const fraction = (value % scale).toString().padStart(digits, '0').replace(/0+$/, '')
  return fraction === '' ? String(value / scale) : `${value / scale}.${fraction}`
}
