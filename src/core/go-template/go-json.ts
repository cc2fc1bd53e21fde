import {isPlainObject, sortedEntries} from './go-values.js'

/**
 * Go's json.Marshal (or MarshalIndent with `indent`) of JSON-shaped data: map keys sorted, as
 * Docker Machine's `json` and `prettyjson` template functions print them. Written by hand because
 * JSON.stringify puts integer-like keys first whatever the order.
 */
export function toJson(value: unknown, indent = ''): string {
  return write(value, indent, '')
}

function write(value: unknown, indent: string, margin: string): string {
  if (Array.isArray(value)) {
    return wrap('[', ']', value.map((item) => write(item, indent, margin + indent)), indent, margin)
  }
  if (isPlainObject(value)) {
    const separator = indent === '' ? ':' : ': '
    const members = sortedEntries(value).map(([key, item]) => `${quote(key)}${separator}${write(item, indent, margin + indent)}`)
    return wrap('{', '}', members, indent, margin)
  }
  if (typeof value === 'string') return quote(value)
  // JSON.stringify gives undefined for undefined (and functions), which Go's nil marshals as null.
  return JSON.stringify(value) ?? 'null'
}

/** Go escapes <, > and & (HTML-safe) and the JS line separators, so output matches Docker Machine's byte for byte. */
function quote(text: string): string {
  return JSON.stringify(text).replace(/[<>&\u2028\u2029]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`)
}

function wrap(open: string, close: string, members: string[], indent: string, margin: string): string {
  if (members.length === 0) return open + close
  if (indent === '') return open + members.join(',') + close
  const inner = margin + indent
  return `${open}\n${inner}${members.join(`,\n${inner}`)}\n${margin}${close}`
}
