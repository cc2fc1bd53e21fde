/**
 * The fix a message names, as data. Core and drivers never spell a command line: they say which berth command fixes
 * the problem, on which machine, and the CLI spells it ("berth rm -f m1"; a wording that mimics another tool spells
 * it that tool's way). Code decides on these values, never on the text they become.
 */

/** The berth commands a fix may name (a suggestion for a mistyped command may name any of them). */
export type CommandName = 'active' | 'completion' | 'config' | 'contexts' | 'create' | 'drivers' | 'env' | 'help' | 'import' | 'inspect' | 'ip' | 'kill' | 'ls'
  | 'mount' | 'plugins' | 'provision' | 'regenerate-certs' | 'restart' | 'rm' | 'scp' | 'ssh' | 'start' | 'status' | 'stop' | 'upgrade'
  | 'url' | 'use' | 'version'

/** A berth command to run: `command`, then `args` (flags and their values, other arguments), then the machine. */
export interface CommandFix {
  readonly kind: 'command'
  readonly command: CommandName
  readonly args: readonly string[]
  readonly machine?: string
  /** False inside another command line (eval "$(berth env m1)"), where it takes no quotes of its own. */
  readonly quoted?: false
}

/** Text for the user in which each command to run is a CommandFix: a plain string has none. */
export type Prose = string | readonly (string | CommandFix)[]

/** The berth command `command` on `machine` (if any), with `args` before it: run('rm', 'm1', ['-f']) is "rm -f m1". */
export function run(command: CommandName, machine?: string, args: readonly string[] = []): CommandFix {
  return {kind: 'command', command, args, ...(machine === undefined ? {} : {machine})}
}

/** The same command, spelled without quotes of its own: for use inside another command line. */
export function unquoted(fix: CommandFix): CommandFix {
  return {...fix, quoted: false}
}

/** Prose from a template: prose`Remove it with ${run('rm', name)}.` keeps the command as data. */
export function prose(strings: TemplateStringsArray, ...values: readonly (string | number | CommandFix)[]): Prose {
  const parts: (string | CommandFix)[] = []
  strings.forEach((text, index) => {
    appendText(parts, text)
    const value = values[index]
    if (value === undefined) return
    if (typeof value === 'object') parts.push(value)
    else appendText(parts, String(value))
  })
  return parts.length === 1 && typeof parts[0] === 'string' ? parts[0] : parts
}

/** Pieces of prose (or plain strings) joined with `separator`, their commands kept. */
export function joinProse(pieces: readonly (Prose | undefined)[], separator = ' '): Prose {
  const parts: (string | CommandFix)[] = []
  for (const piece of pieces) {
    if (piece === undefined || piece === '') continue
    if (parts.length > 0) appendText(parts, separator)
    for (const part of typeof piece === 'string' ? [piece] : piece) {
      if (typeof part === 'string') appendText(parts, part)
      else parts.push(part)
    }
  }
  return parts.length === 1 && typeof parts[0] === 'string' ? parts[0] : parts
}

/** The commands a piece of prose tells the user to run. */
export function commandsIn(text: Prose | undefined): readonly CommandFix[] {
  return text === undefined || typeof text === 'string' ? [] : text.filter((part): part is CommandFix => typeof part !== 'string')
}

/** Each text part of the prose changed by `change` (redacting a secret, say); the commands stay as they are. */
export function mapProseText(text: Prose, change: (part: string) => string): Prose {
  return typeof text === 'string' ? change(text) : text.map((part) => (typeof part === 'string' ? change(part) : part))
}

function appendText(parts: (string | CommandFix)[], text: string): void {
  if (text === '') return
  const last = parts.at(-1)
  if (typeof last === 'string') parts[parts.length - 1] = last + text
  else parts.push(text)
}
