import {BerthError} from '../core/errors.js'

/** The one line a failed command prints on stderr, and its exit code. */
export function errorLine(error: unknown): {line: string; exitCode: number} {
  if (error instanceof BerthError) {
    return {line: `Error: ${error.message}${error.hint ? ` ${error.hint}` : ''}`, exitCode: error.exitCode}
  }
  const message = error instanceof Error ? error.message : String(error)
  // oclif's parse errors carry a second line ("See more help with --help"); keep the first, name the fix.
  const first = message.split('\n')[0]!.trim()
  const oclifExit = (error as {oclif?: {exit?: number}}).oclif?.exit
  if (oclifExit !== undefined) return {line: `Error: ${first}. See "berth help" or add --help to the command.`.replace('.. See', '. See'), exitCode: oclifExit === 0 ? 0 : 1}
  return {line: `Error: ${first}`, exitCode: 1}
}
