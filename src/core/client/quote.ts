/**
 * Quoting of variable values for each shell `env` prints for. Docker Machine wrapped values in double quotes
 * and escaped nothing, so a `"`, `$` or backtick in a path broke `eval` or ran code. These helpers keep its
 * exact output for ordinary values and escape only what the shell would otherwise interpret.
 */

/** Inside POSIX double quotes only these four stay special. */
export function posixQuote(value: string): string {
  return `"${value.replace(/[\\"$`]/g, '\\$&')}"`
}

/** fish: backslash, quote and `$` (which also starts a command substitution since fish 3.4). */
export function fishQuote(value: string): string {
  return `"${value.replace(/[\\"$]/g, '\\$&')}"`
}

/** PowerShell escapes with a backtick; it also reads typographic double quotes as quote characters. */
export function powershellQuote(value: string): string {
  return `"${value.replace(/[`$"\u201C\u201D\u201E]/g, '`$&')}"`
}

/** Emacs Lisp string syntax. */
export function emacsQuote(value: string): string {
  return `"${value.replace(/[\\"]/g, '\\$&')}"`
}

/**
 * csh cannot escape `$`, backtick or `"` inside double quotes, so a value holding one of them (or `!`, or a
 * backslash, whose meaning depends on the user's backslash_quote setting) is spelled with single-quoted runs
 * instead: `'` itself goes in double quotes and `!` gets a backslash, since history expansion sees it even
 * inside single quotes. Braces cannot be protected at all (see renderEnv, which refuses them for tcsh).
 */
export function tcshQuote(value: string): string {
  if (!/["$`!\\]/.test(value)) return `"${value}"`
  return value
    .split(/(['!])/)
    .filter((part) => part !== '')
    .map((part) => (part === "'" ? `"'"` : part === '!' ? '\\!' : `'${part}'`))
    .join('')
}

/**
 * cmd has no escape that works both when a line is pasted and when it runs through `FOR /f ... DO @%i`, but the
 * quoted form `SET "NAME=value"` protects `& | < > ^` in both; plain values keep Docker Machine's `SET NAME=value`.
 */
export function cmdAssignment(name: string, value: string): string {
  return /[&|<>^]/.test(value) ? `SET "${name}=${value}"` : `SET ${name}=${value}`
}
