import {formatValue, goQuote, goTypeName} from './go-values.js'

interface Spec {
  readonly flags: string
  readonly width: number
  readonly precision: number | undefined
}

/**
 * Go's fmt.Sprintf for the verbs templates use: %v %s %d %q %t and %%, with the flags - + 0, a width
 * and a precision (which cuts strings). Mistakes print Go's markers (%!d(string=x), %!s(MISSING))
 * instead of failing. Unlike Go, %s prints any non-nil value the way %v does, and %d takes any whole
 * number, because JSON numbers are floats: `printf "%s %d" .SSHPort .SSHPort` works.
 */
export function sprintf(format: string, args: readonly unknown[]): string {
  let next = 0
  const text = format.replace(/%([-+# 0]*)(\d*)(?:\.(\d*))?([\s\S]?)/gu, (_match, flags: string, width: string, precision: string | undefined, verb: string) => {
    if (verb === '%') return '%'
    if (verb === '') return '%!(NOVERB)'
    if (next >= args.length) return `%!${verb}(MISSING)`
    const arg = args[next++]
    const spec: Spec = {flags, width: Number(width), precision: precision === undefined ? undefined : Number(precision)}
    const formatted = formatVerb(verb, arg, spec)
    return formatted === undefined ? badVerb(verb, arg) : pad(formatted, spec)
  })
  if (next >= args.length) return text
  return `${text}%!(EXTRA ${args.slice(next).map(describe).join(', ')})`
}

/** Go's fmt.Sprint: operands joined by a space where neither side is a string. */
export function sprint(args: readonly unknown[]): string {
  return args.map((arg, i) => {
    const spaced = i > 0 && typeof arg !== 'string' && typeof args[i - 1] !== 'string'
    return (spaced ? ' ' : '') + formatValue(arg)
  }).join('')
}

/** Go's fmt.Sprintln: operands joined by spaces, then a newline. */
export function sprintln(args: readonly unknown[]): string {
  return `${args.map(formatValue).join(' ')}\n`
}

function formatVerb(verb: string, arg: unknown, spec: Spec): string | undefined {
  // Go applies a verb to each element of a slice, printing nil elements as <nil> whatever the verb.
  if (Array.isArray(arg) && verb !== 'v') {
    return `[${arg.map((item) => (item === null || item === undefined ? '<nil>' : formatVerb(verb, item, spec) ?? badVerb(verb, item))).join(' ')}]`
  }
  switch (verb) {
    case 'v':
      return formatValue(arg)
    case 's':
      if (arg === null || arg === undefined) return undefined
      return typeof arg === 'string' ? truncate(arg, spec.precision) : formatValue(arg)
    case 'q':
      return typeof arg === 'string' ? goQuote(truncate(arg, spec.precision)) : undefined
    case 'd':
      if (typeof arg !== 'number' || !Number.isInteger(arg)) return undefined
      return (spec.flags.includes('+') && arg >= 0 ? '+' : '') + String(arg)
    case 't':
      return typeof arg === 'boolean' ? String(arg) : undefined
    default:
      return undefined
  }
}

function truncate(text: string, precision: number | undefined): string {
  return precision === undefined ? text : [...text].slice(0, precision).join('')
}

function pad(text: string, spec: Spec): string {
  const missing = spec.width - [...text].length
  if (missing <= 0) return text
  if (spec.flags.includes('-')) return text + ' '.repeat(missing)
  if (!spec.flags.includes('0')) return ' '.repeat(missing) + text
  const sign = /^[-+]/.test(text) ? text.charAt(0) : ''
  return sign + '0'.repeat(missing) + text.slice(sign.length)
}

function badVerb(verb: string, arg: unknown): string {
  return `%!${verb}(${describe(arg)})`
}

function describe(arg: unknown): string {
  return arg === null || arg === undefined ? '<nil>' : `${goTypeName(arg)}=${formatValue(arg)}`
}
