/**
 * Making text safe to show on a terminal: the one place for it. Text from a host (os-release, command output, an
 * engine's answers) or from the store (a directory's name, a hand-edited config) may carry control characters:
 * an ANSI escape recolours or clears the screen, a carriage return or line break fakes a row, a bidirectional
 * override shows text other than it is. They are spelled out instead (`\x1b[31m`), so what is shown is harmless
 * and still says exactly what is there. Long values are cut, and passwords in URLs hidden.
 */

// C0 controls, DEL, C1 controls, line and paragraph separators, and the bidirectional embeddings, overrides and isolates.
/* eslint-disable no-control-regex -- matching control characters is the point */
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g
const UNSAFE_BUT_LINE_BREAK = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g
/* eslint-enable no-control-regex */
const NAMED: Readonly<Record<string, string>> = {'\n': '\\n', '\r': '\\r', '\t': '\\t'}

/** A value in a message is cut after this many characters. */
export const VALUE_LIMIT = 80

function spelled(character: string): string {
  const code = character.charCodeAt(0)
  return NAMED[character] ?? (code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`)
}

/** The text on one line with every control character spelled out (`\n`, `\x1b`, `\u202e`). */
export function escapeControls(text: string): string {
  return text.replace(UNSAFE, spelled)
}

/** The same, but line breaks stay: for text that is meant to span lines (the tail of a log). */
export function escapeControlsKeepingLines(text: string): string {
  return text.replace(UNSAFE_BUT_LINE_BREAK, spelled)
}

/** The first `limit` characters and an ellipsis, or the text itself when it is not longer. Never splits a surrogate pair. */
export function cutText(text: string, limit: number): string {
  if (text.length <= limit) return text
  const end = /[\ud800-\udbff]/.test(text.charAt(limit - 1)) ? limit - 1 : limit
  return `${text.slice(0, end)}…`
}

/**
 * A value as a message quotes it: control characters spelled out, cut when long, with its full length:
 * `"aaaa…" (100000 characters)`. In double quotes a quote or backslash inside is escaped, as in JSON; single
 * quotes (Docker Machine's for filters: `'name=x'`) are written around the value as it is.
 */
export function quoteValue(value: string, quote: '"' | "'" = '"'): string {
  const cut = cutText(value, VALUE_LIMIT)
  const quoted = `${quote}${escapeControls(quote === '"' ? cut.replace(/[\\"]/g, '\\$&') : cut)}${quote}`
  return value.length > VALUE_LIMIT ? `${quoted} (${value.length} characters)` : quoted
}

// scheme://user:password@ — the password runs to the last "@" before the path, as URL parsers read it.
const URL_PASSWORD = /\b([a-z][a-z0-9+.-]*:\/\/[^\s/?#@:]*):[^\s/?#]*@/gi

/** Every `scheme://user:password@host` in the text with the password replaced by `***`. */
export function redactUrlPasswords(text: string): string {
  return text.replace(URL_PASSWORD, '$1:***@')
}
