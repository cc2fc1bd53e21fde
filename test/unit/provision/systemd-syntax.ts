/**
 * Just enough of systemd's unit-file reading to check what berth renders, written from systemd.syntax(7)
 * ("Quoting"), systemd.unit(5) ("Specifiers") and systemd.service(5)/systemd.exec(5) ("Command lines",
 * Environment=). Stricter than systemd where the strictness catches a renderer bug: a quote opening mid-word,
 * an unknown escape or specifier, an unescaped `$` on a command line are errors here.
 */

const SIMPLE_ESCAPES: Readonly<Record<string, string>> = {
  a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\\': '\\', '"': '"', '\'': '\'', s: ' ',
}

/** The characters systemd separates words with (WHITESPACE in its sources). */
const isSpace = (char: string | undefined): boolean => char === ' ' || char === '\t' || char === '\n' || char === '\r'

/**
 * One setting's value split into words and unescaped: whitespace separates words; "..." or '...' wrap a whole
 * word; C escapes (\n, \t, \xNN, \NNN, \uNNNN, \UNNNNNNNN, \s, \\, \", \') work inside and outside quotes.
 * `dump` also accepts the escapes systemd's own dump writes (\$ and \`), for reading `systemd --test` output.
 */
export function systemdWords(value: string, {dump = false} = {}): string[] {
  return splitWords(value, dump).map(({word}) => word)
}

/** Each word with the text it was read from. */
function splitWords(value: string, dump: boolean): Array<{word: string; raw: string}> {
  const words: Array<{word: string; raw: string}> = []
  let index = 0
  for (;;) {
    while (isSpace(value[index])) index++
    if (index >= value.length) return words
    const start = index
    const open = value[index] === '"' || value[index] === '\'' ? value[index++] : undefined
    const bytes: number[] = []
    const text = (chunk: string): void => void bytes.push(...Buffer.from(chunk, 'utf8'))
    for (;;) {
      const char = value[index]
      if (char === undefined) {
        if (open !== undefined) throw new Error(`unbalanced quoting in ${JSON.stringify(value)}`)
        break
      }
      if (open === undefined && isSpace(char)) break
      if (char === open) {
        index++
        if (index < value.length && !isSpace(value[index])) throw new Error(`a closing quote must end the word in ${JSON.stringify(value)}`)
        break
      }
      if (open === undefined && (char === '"' || char === '\'')) throw new Error(`a quote opens mid-word in ${JSON.stringify(value)}`)
      if (char !== '\\') {
        text(char)
        index++
        continue
      }
      const [consumed, decoded] = unescape(value, index + 1, dump)
      if (typeof decoded === 'number') bytes.push(decoded)
      else text(decoded)
      index += 1 + consumed
    }
    words.push({word: Buffer.from(bytes).toString('utf8'), raw: value.slice(start, index)})
  }
}

/** One escape after a backslash at `at`: how many characters it takes, and the byte or text it stands for. */
function unescape(value: string, at: number, dump: boolean): [number, number | string] {
  const char = value[at]
  if (char === undefined) throw new Error(`a backslash ends ${JSON.stringify(value)}`)
  const simple = SIMPLE_ESCAPES[char]
  if (simple !== undefined) return [1, simple]
  if (dump && (char === '$' || char === '`')) return [1, char]
  const digits = (count: number, pattern: RegExp, radix: number): number => {
    const text = value.slice(at + (radix === 8 ? 0 : 1), at + (radix === 8 ? 0 : 1) + count)
    if (text.length !== count || !pattern.test(text)) throw new Error(`bad escape \\${value.slice(at, at + count + 1)} in ${JSON.stringify(value)}`)
    const code = Number.parseInt(text, radix)
    if (code === 0) throw new Error(`a NUL escape in ${JSON.stringify(value)}`)
    return code
  }
  if (char === 'x') return [3, digits(2, /^[0-9a-fA-F]{2}$/, 16)]
  if (/[0-3]/.test(char)) return [3, digits(3, /^[0-3][0-7]{2}$/, 8)]
  if (char === 'u') return [5, String.fromCodePoint(digits(4, /^[0-9a-fA-F]{4}$/, 16))]
  if (char === 'U') return [9, String.fromCodePoint(digits(8, /^[0-9a-fA-F]{8}$/, 16))]
  throw new Error(`unknown escape \\${char} in ${JSON.stringify(value)}`)
}

/** Specifier expansion for words berth writes: `%%` is a literal `%`; any other specifier is a renderer bug. */
export function resolveSpecifiers(word: string): string {
  return word.replace(/%(.?)/gs, (_match, next: string) => {
    if (next === '%') return '%'
    throw new Error(`unexpected specifier %${next} in ${JSON.stringify(word)}`)
  })
}

/** Environment substitution on a command line, for words berth writes: `$$` is a literal `$`; a lone `$` would substitute. */
export function resolveDollars(word: string): string {
  return word.replace(/\$(.?)/gs, (_match, next: string) => {
    if (next === '$') return '$'
    throw new Error(`a lone $ would substitute a variable in ${JSON.stringify(word)}`)
  })
}

/** A unit file's settings, by section and key, in order; empty assignments reset the list, as for ExecStart= and Environment=. */
export function unitSettings(text: string): Map<string, string[]> {
  const settings = new Map<string, string[]>()
  let section = ''
  const lines = text.split('\n')
  for (let index = 0; index < lines.length; index++) {
    let line = lines[index]!.trim()
    // A backslash ending a line continues the setting on the next one.
    while (line.endsWith('\\') && index + 1 < lines.length) line = `${line.slice(0, -1)} ${lines[++index]!.trim()}`
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue
    const header = /^\[(.+)\]$/.exec(line)
    if (header !== null) {
      section = header[1]!
      continue
    }
    const equals = line.indexOf('=')
    if (equals < 0) throw new Error(`not a setting: ${JSON.stringify(line)}`)
    const key = `${section}.${line.slice(0, equals).trim()}`
    const value = line.slice(equals + 1).trim()
    if (value === '') settings.set(key, [])
    else settings.set(key, [...(settings.get(key) ?? []), value])
  }
  return settings
}

/**
 * The argv systemd runs for one ExecStart= value: words unquoted and unescaped, specifiers resolved, then `$$`
 * made `$` (substitution happens at exec time). An unquoted lone `;` would separate commands: an error here.
 */
export function execStartArgv(value: string): string[] {
  return splitWords(value, false).map(({word, raw}) => {
    if (raw === ';') throw new Error(`an unquoted ; separates commands in ${JSON.stringify(value)}`)
    return resolveDollars(resolveSpecifiers(word))
  })
}

/** The assignments of Environment= values: words unquoted and unescaped, specifiers resolved; `$` means nothing there. */
export function environmentAssignments(values: readonly string[]): string[] {
  return values.flatMap((value) => systemdWords(value)).map(resolveSpecifiers)
}
