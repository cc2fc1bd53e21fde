/**
 * How Go's fmt and text/template see JSON-shaped data: a JS object is a map[string]interface {},
 * an array a []interface {}, a number a float64.
 */

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** Go orders strings by their UTF-8 bytes, which is code point order, not JS's UTF-16 order. */
function compareCodePoints(a: string, b: string): number {
  const left = [...a]
  const right = [...b]
  for (let i = 0; i < Math.min(left.length, right.length); i++) {
    const difference = (left[i]?.codePointAt(0) ?? 0) - (right[i]?.codePointAt(0) ?? 0)
    if (difference !== 0) return difference
  }
  return left.length - right.length
}

/** A map's entries in the order Go prints and marshals them: keys sorted. */
export function sortedEntries(map: Record<string, unknown>): [string, unknown][] {
  return Object.entries(map).sort(([a], [b]) => compareCodePoints(a, b))
}

/** Go's name for a value's dynamic type, as its error messages show it. */
export function goTypeName(value: unknown): string {
  if (value === null || value === undefined) return '<nil>'
  if (typeof value === 'string') return 'string'
  if (typeof value === 'number') return 'float64'
  if (typeof value === 'boolean') return 'bool'
  if (Array.isArray(value)) return '[]interface {}'
  return 'map[string]interface {}'
}

/** Go's text/template truth: false, 0, "", nil and empty collections are false. */
export function isTruthy(value: unknown): boolean {
  if (value === null || value === undefined) return false
  if (typeof value === 'boolean') return value
  if (typeof value === 'number') return value !== 0
  if (typeof value === 'string' || Array.isArray(value)) return value.length > 0
  if (isPlainObject(value)) return Object.keys(value).length > 0
  return true
}

/**
 * A number as Go's %v prints it: whole numbers as Go ints (all digits), others as Go float64s
 * (shortest digits, exponent form below 1e-4 and from 1e6). Go itself decodes every JSON number to a
 * float64 and so prints a 1048576-byte size as 1.048576e+06; berth does not.
 */
function formatNumber(value: number): string {
  if (Number.isNaN(value)) return 'NaN'
  if (!Number.isFinite(value)) return value > 0 ? '+Inf' : '-Inf'
  if (Number.isInteger(value) && Math.abs(value) < 1e21) return String(value)
  const [mantissa = '', exponentText = '0'] = value.toExponential().split('e')
  const exponent = Number(exponentText)
  if (exponent < -4 || exponent >= 6) return `${mantissa}e${exponent < 0 ? '-' : '+'}${String(Math.abs(exponent)).padStart(2, '0')}`
  return String(value)
}

/** Go's %v: strings as they are, nil as <nil>, arrays as [a b], maps as map[k:v] with sorted keys. */
export function formatValue(value: unknown): string {
  if (value === null || value === undefined) return '<nil>'
  if (typeof value === 'string') return value
  if (typeof value === 'number') return formatNumber(value)
  if (typeof value === 'boolean' || typeof value === 'bigint') return value.toString()
  if (Array.isArray(value)) return `[${value.map(formatValue).join(' ')}]`
  if (isPlainObject(value)) return `map[${sortedEntries(value).map(([key, item]) => `${key}:${formatValue(item)}`).join(' ')}]`
  return typeof value
}

const NAMED_ESCAPES: Readonly<Record<string, string>> = {
  '\x07': '\\a', '\b': '\\b', '\f': '\\f', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\v': '\\v', '"': '\\"', '\\': '\\\\',
}

// strconv.IsPrint: letters, marks, numbers, punctuation, symbols and the ASCII space.
const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u

/** Go's strconv.Quote (and %q): a double-quoted string with Go escapes for what is not printable. */
export function goQuote(text: string): string {
  let quoted = '"'
  for (const char of text) {
    const codePoint = char.codePointAt(0) ?? 0
    const named = NAMED_ESCAPES[char]
    if (named !== undefined) quoted += named
    else if (PRINTABLE.test(char)) quoted += char
    else if (codePoint < 0x80) quoted += `\\x${codePoint.toString(16).padStart(2, '0')}`
    else if (codePoint < 0x10000) quoted += `\\u${codePoint.toString(16).padStart(4, '0')}`
    else quoted += `\\U${codePoint.toString(16).padStart(8, '0')}`
  }
  return `${quoted}"`
}
