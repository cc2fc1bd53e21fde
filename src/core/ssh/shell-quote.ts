/** Characters that mean nothing to a POSIX shell anywhere in a word ('=' is left out: `a=b` first is an assignment). */
const PLAIN = /^[A-Za-z0-9_@%+:,./-]+$/

/**
 * One word for a POSIX shell (sh, dash, bash, busybox ash) that the shell reads back exactly as `value`:
 * plain words stay readable in logs, anything else goes in single quotes, where only the quote itself needs care.
 */
export function shellQuote(value: string): string {
  // argv entries are C strings: a NUL would silently cut the word short.
  if (value.includes('\0')) throw new TypeError('A shell word cannot contain a NUL byte.')
  if (PLAIN.test(value)) return value
  return `'${value.replaceAll('\'', '\'\\\'\'')}'`
}

/** Words joined into one command line, each quoted. */
export function shellJoin(words: readonly string[]): string {
  return words.map(shellQuote).join(' ')
}
