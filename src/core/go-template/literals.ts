/** Go's literal syntax inside template actions: quoted strings and numbers. */

const SIMPLE_ESCAPES: Readonly<Record<string, string>> = {
  a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\\': '\\', '"': '"',
}

/** strconv.Unquote for "…" and `…` literals; undefined when an escape is invalid. */
export function unquoteGoString(literal: string): string | undefined {
  const body = literal.slice(1, -1)
  // Go drops carriage returns from raw strings.
  if (literal.startsWith('`')) return body.replaceAll('\r', '')
  let valid = true
  const text = body.replace(/\\(?:([abfnrtv\\"])|x([0-9a-fA-F]{2})|u([0-9a-fA-F]{4})|U([0-9a-fA-F]{8})|([0-7]{3})|[\s\S]?)/g,
    (match, simple?: string, hex?: string, short?: string, long?: string, octal?: string) => {
      if (simple !== undefined) return SIMPLE_ESCAPES[simple] ?? ''
      const codePoint = parseInt(hex ?? short ?? long ?? '', 16)
      if (!Number.isNaN(codePoint) && codePoint <= 0x10ffff && (codePoint < 0xd800 || codePoint > 0xdfff)) return String.fromCodePoint(codePoint)
      if (octal !== undefined && parseInt(octal, 8) <= 0xff) return String.fromCodePoint(parseInt(octal, 8))
      valid = false
      return match
    })
  return valid ? text : undefined
}

/** A Go number literal (decimal, float, 0x/0o/0b, legacy 0777 octal); undefined when malformed. */
export function parseGoNumber(text: string): number | undefined {
  const negative = text.startsWith('-')
  const digits = text.replace(/^[-+]/, '')
  let value: number
  if (/^(?:0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+)$/.test(digits)) value = Number(digits)
  else if (/^0[0-7]+$/.test(digits)) value = parseInt(digits, 8)
  else if (/^(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$/.test(digits)) value = Number(digits)
  else return undefined
  return negative && value !== 0 ? -value : value
}
