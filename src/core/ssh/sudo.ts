import {SudoError, type SshEndpoint} from './errors.js'
import {shellQuote} from './shell-quote.js'

/**
 * The command run as root through sudo. -n makes sudo fail at once instead of waiting for a password nobody
 * will type; `sh -c` lets the command keep pipes, redirections and `&&`, which sudo alone would not run.
 */
export function sudoCommand(command: string): string {
  return `sudo -n sh -c ${shellQuote(command)}`
}

/**
 * Tells a refusal by sudo itself from a failure of the command it ran, from sudo's own (English) messages.
 * Returns undefined when sudo ran the command.
 */
export function sudoFailure(result: {code: number; stderr: string}, endpoint: SshEndpoint): SudoError | undefined {
  if (result.code === 0) return undefined
  const {stderr} = result
  if (/^sudo: (a password is required|a terminal is required)/m.test(stderr)) return new SudoError(endpoint, 'password')
  if (/^sudo: .*(is not in the sudoers file|is not allowed to (run|execute))/m.test(stderr) ||
    /^Sorry, user \S+ (may not run sudo|is not allowed to execute)/m.test(stderr)) return new SudoError(endpoint, 'not-allowed')
  if (result.code === 127 && /\bsudo: (command )?not found|sudo: No such file/.test(stderr)) return new SudoError(endpoint, 'missing')
  return undefined
}
