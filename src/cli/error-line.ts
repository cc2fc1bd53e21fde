import {BerthError} from '../core/errors.js'
import {painter} from './colour.js'
import {describeCode, errorCode} from '../core/path-problem.js'
import {dockerMachineLine} from './docker-machine-wording.js'
import {spellCommand, wordError} from './error-wording.js'
import type {Personality} from './personality.js'
import {run} from '../core/fix.js'
import {cutText, escapeControls, escapeControlsKeepingLines, redactUrlPasswords} from '../core/safe-text.js'

/** A line of an error is cut after this many characters: a value echoed whole could fill the screen. */
const LINE_LIMIT = 1000

/**
 * The one line a failed command prints on stderr, and its exit code. Whatever the message holds (a host's reply, a
 * name from the store, a value typed in) reaches the terminal without control characters, cut when long, and with
 * passwords in URLs hidden. Only the tail of a log that a message carries on purpose keeps its line breaks. As
 * Docker Machine, an error it had a line for is that line, as it was. With colour (a terminal, colour.ts), the
 * `Error:` prefix is red.
 */
export function errorLine(error: unknown, personality: Personality = 'berth', colour = false): {line: string; exitCode: number} {
  const prefix = painter(colour)('red', 'Error:')
  if (error instanceof BerthError) {
    const dockerMachine = personality === 'docker-machine' ? dockerMachineLine(error) : undefined
    if (dockerMachine !== undefined) return {line: shown(dockerMachine), exitCode: error.exitCode}
    const {message, hint} = wordError(error, personality)
    const text = hint ? `${sentence(message)} ${hint}` : message
    return {line: `${prefix} ${shown(text)}`, exitCode: error.exitCode}
  }
  const message = error instanceof Error ? error.message : String(error)
  const oclifExit = (error as {oclif?: {exit?: number}}).oclif?.exit
  if (oclifExit !== undefined) {
    return {line: `${prefix} ${shown(sentence(oclifMessage(message)))} See ${spellCommand(run('help'), personality)} or add --help to the command.`, exitCode: oclifExit === 0 ? 0 : 1}
  }
  return {line: `${prefix} ${escapeControls(shown(systemErrorText(error) ?? message.split('\n')[0]!.trim()))}`, exitCode: 1}
}

/** A stack trace for --debug: its message can hold what the error line hides (a password in a URL, control characters). */
export function shownStack(stack: string): string {
  return escapeControlsKeepingLines(redactUrlPasswords(stack))
}

function shown(text: string): string {
  return escapeControlsKeepingLines(text.split('\n').map((line) => cutText(redactUrlPasswords(line), LINE_LIMIT)).join('\n'))
}

/** A file system error berth did not foresee, in words and with its path, instead of Node's "ENOTDIR: ..., scandir '...'". */
function systemErrorText(error: unknown): string | undefined {
  const path = (error as NodeJS.ErrnoException).path
  const code = errorCode(error)
  if (path === undefined || code === '') return undefined
  return `${path} ${describeCode(code, error)}.`
}

/**
 * oclif's parse errors span lines: the problem, details ("Parsing --timeout" / "Expected an integer but received: abc",
 * "Missing 1 required arg:" / "name  name of the new machine"), a note after a blank line, "See more help with --help".
 * Keep the problem and its details on one line, without colours.
 */
function oclifMessage(message: string): string {
  // eslint-disable-next-line no-control-regex
  const plain = message.replace(/\u001b\[[0-9;]*m/g, '')
  const lines = plain.split(/\n\s*\n/)[0]!.split('\n').map((line) => line.trim()).filter((line) => line !== '' && line !== 'See more help with --help')
  if (lines.length === 0) return plain.trim()
  // A listed argument ("name  its description") reads as "name (its description)".
  const details = lines.slice(1).map((line) => line.replace(/^(\S+)\s{2,}(.+)$/, '$1 ($2)'))
  return [lines[0]!.replace(/:$/, ''), ...details].join(': ')
}

/** A message followed by a hint needs its full stop, or the two read as one sentence. */
function sentence(text: string): string {
  const trimmed = text.trimEnd()
  return /[.!?]$/.test(trimmed) ? trimmed : `${trimmed}.`
}
