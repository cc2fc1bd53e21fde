import {posix} from 'node:path'

/**
 * Just enough of systemd's unit files to know how docker.service starts dockerd without berth: the files as
 * `systemctl cat` prints them (each after a `# /path` line, the unit first, then its drop-ins in the order systemd
 * applies them), their ExecStart= lines (an empty one resets), Environment= and EnvironmentFile=, and systemd's
 * word splitting and $VAR expansion (systemd.service(5), "Command lines"; systemd.syntax(7), "Quoting").
 */

interface UnitFile {
  path: string
  /** ExecStart= of [Service] in order; '' is a reset. */
  execStart: string[]
  environment: string[]
  environmentFiles: string[]
}

export function parseSystemctlCat(text: string): UnitFile[] {
  const files: UnitFile[] = []
  let current: UnitFile | undefined
  let section = ''
  const lines = text.split('\n')
  for (let index = 0; index < lines.length; index++) {
    let line = lines[index]!
    const header = /^# (\/\S+)$/.exec(line)
    if (header !== null) {
      current = {path: header[1]!, execStart: [], environment: [], environmentFiles: []}
      files.push(current)
      section = ''
      continue
    }
    // A line that ends in a backslash goes on in the next one.
    while (line.endsWith('\\') && index + 1 < lines.length) line = `${line.slice(0, -1)} ${lines[++index]!}`
    const trimmed = line.trim()
    if (current === undefined || trimmed === '' || trimmed.startsWith('#') || trimmed.startsWith(';')) continue
    const sectionMatch = /^\[(.+)\]$/.exec(trimmed)
    if (sectionMatch !== null) {
      section = sectionMatch[1]!
      continue
    }
    const setting = /^([A-Za-z]+)\s*=\s*(.*)$/.exec(trimmed)
    if (setting === null || section !== 'Service') continue
    const [, key, value] = setting
    if (key === 'ExecStart') current.execStart.push(value!)
    else if (key === 'Environment') current.environment.push(value!)
    else if (key === 'EnvironmentFile') current.environmentFiles.push(value!)
  }
  return files
}

/** How docker.service starts dockerd when berth's drop-in is left out, and what would override berth's drop-in. */
interface ServiceStart {
  /** The last ExecStart= of the files that are not berth's, or undefined when none sets one. */
  execStart?: string
  /** The files that come after berth's drop-in and set ExecStart=, overriding it. */
  overriding: string[]
  environment: string[]
  environmentFiles: string[]
}

export function serviceStart(files: readonly UnitFile[], berthDropIn: string): ServiceStart {
  let execStart: string | undefined
  const overriding: string[] = []
  const environment: string[] = []
  const environmentFiles: string[] = []
  for (const file of files) {
    if (file.path === berthDropIn) continue
    for (const value of file.execStart) execStart = value === '' ? undefined : value
    if (file.execStart.length > 0 && comesAfter(file.path, berthDropIn)) overriding.push(file.path)
    environment.push(...file.environment)
    environmentFiles.push(...file.environmentFiles)
  }
  return {...(execStart === undefined ? {} : {execStart}), overriding, environment, environmentFiles}
}

/** systemd applies drop-ins sorted by file name, whichever directory they are in; the unit itself comes first. */
function comesAfter(path: string, berthDropIn: string): boolean {
  if (!posix.dirname(path).endsWith('.d')) return false
  return posix.basename(path) > posix.basename(berthDropIn)
}

const ESCAPES: Readonly<Record<string, string>> = {a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', s: ' ', '\\': '\\', '"': '"', '\'': '\''}

/** A setting's words: whitespace separates them, quotes wrap one, C escapes are decoded. */
function splitSystemdWords(value: string): string[] {
  const words: string[] = []
  let index = 0
  for (;;) {
    while (/\s/.test(value[index] ?? 'x')) index++
    if (index >= value.length) return words
    let word = ''
    let quote: string | undefined
    for (; index < value.length; index++) {
      const char = value[index]!
      if (quote === undefined && /\s/.test(char)) break
      if (quote === undefined && (char === '"' || char === '\'')) {
        quote = char
        continue
      }
      if (char === quote) {
        quote = undefined
        continue
      }
      if (char === '\\' && index + 1 < value.length) {
        const next = value[++index]!
        word += ESCAPES[next] ?? next
        continue
      }
      word += char
    }
    words.push(word)
  }
}

/**
 * An ExecStart= line as the words dockerd receives: the prefix characters (-, @, +, !, :) dropped, `$$` a dollar,
 * a word that is exactly `$NAME` split into the variable's words, and `${NAME}` replaced by its value as one piece.
 */
export function execStartWords(line: string, environment: ReadonlyMap<string, string>): string[] {
  const words = splitSystemdWords(line)
  if (words[0] !== undefined) words[0] = words[0].replace(/^[-@+!:]+/, '')
  const result: string[] = []
  for (const word of words) {
    const whole = /^\$([A-Za-z_][A-Za-z0-9_]*)$/.exec(word)
    if (whole !== null) {
      result.push(...(environment.get(whole[1]!) ?? '').split(/\s+/).filter(Boolean))
      continue
    }
    result.push(word.replace(/\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (match, name: string | undefined) => name === undefined ? '$' : environment.get(name) ?? ''))
  }
  return result
}

/** Environment= values (`A=1 "B=two words"`) as name/value pairs, in order. */
export function environmentAssignments(values: readonly string[]): Array<[string, string]> {
  return values.flatMap((value) => splitSystemdWords(value)).map((pair) => {
    const at = pair.indexOf('=')
    return at > 0 ? [pair.slice(0, at), pair.slice(at + 1)] as [string, string] : undefined
  }).filter((pair) => pair !== undefined)
}

/**
 * An EnvironmentFile= as systemd reads it: `NAME=value` lines, # and ; comments, a value in quotes unquoted, a
 * trailing backslash joining lines. (systemd does not expand variables in it, and neither does this.)
 */
export function parseEnvironmentFile(text: string): Array<[string, string]> {
  const pairs: Array<[string, string]> = []
  const lines = text.split('\n')
  for (let index = 0; index < lines.length; index++) {
    let line = lines[index]!
    while (line.endsWith('\\') && index + 1 < lines.length) line = `${line.slice(0, -1)}${lines[++index]!}`
    const match = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$/.exec(line)
    if (match === null || /^\s*[#;]/.test(line)) continue
    let value = match[2]!
    if (/^"[\s\S]*"$/.test(value)) value = value.slice(1, -1).replace(/\\(["\\$`])/g, '$1')
    else if (/^'[\s\S]*'$/.test(value)) value = value.slice(1, -1)
    pairs.push([match[1]!, value])
  }
  return pairs
}
