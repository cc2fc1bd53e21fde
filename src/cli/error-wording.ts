import type {BerthError, ErrorCode, ErrorCodes} from '../core/errors.js'
import {prose, run, type CommandFix, type Prose} from '../core/fix.js'

/**
 * berth's wording of what core and drivers report: the one place where a fix becomes a command line, and where an
 * error's code and data become its message and hint. Core gives each error a plain message (what logs, --debug and
 * the notes that quote a nested error show) and, where it has one, a hint whose commands are data. An entry of
 * ERROR_WORDING words a code here instead; without one, the error's own message and hint are shown. Another wording
 * (one that speaks Docker Machine's commands, say) is another spellCommand and catalogue, not a change to core.
 */

/** How berth spells a command to run: as typed, in double quotes unless it is part of another command line. */
export function spellCommand(fix: CommandFix): string {
  const line = ['berth', fix.command, ...fix.args, ...(fix.machine === undefined ? [] : [fix.machine])].join(' ')
  return fix.quoted === false ? line : `"${line}"`
}

/** Prose with each command spelled out. */
export function spellProse(text: Prose): string {
  return typeof text === 'string' ? text : text.map((part) => (typeof part === 'string' ? part : spellCommand(part))).join('')
}

type Wording<C extends ErrorCode> = (data: ErrorCodes[C], error: BerthError) => {message?: Prose; hint?: Prose}

/** Codes whose message or hint the CLI words itself rather than showing core's. */
const ERROR_WORDING: {[C in ErrorCode]?: Wording<C>} = {
  'engine-address-missing': ({machine}) => ({
    message: prose`Machine "${machine}" has no engine address yet: its creation did not finish (${run('provision', machine)} finishes it).`,
  }),
}

/** The message and hint a user sees for an error. */
export function wordError(error: BerthError): {message: string; hint: string | undefined} {
  const worded = (ERROR_WORDING[error.code] as Wording<ErrorCode> | undefined)?.(error.data, error) ?? {}
  const hint = worded.hint ?? error.hint
  return {message: spellProse(worded.message ?? error.message), hint: hint === undefined || hint === '' ? undefined : spellProse(hint)}
}
