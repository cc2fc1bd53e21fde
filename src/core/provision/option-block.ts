/**
 * berth's part of an init script's option file (/etc/default/docker, /etc/conf.d/docker): a block between these
 * lines after the user's own, which berth rewrites and `rm --clean-host` removes, leaving the user's lines as they are.
 */
export const OPTION_BLOCK_START = '# >>> berth'
export const OPTION_BLOCK_END = '# <<< berth'

/** An option file without berth's part; a whole file berth once wrote (its first format) holds nothing of the user's. */
export function withoutBerthPart(text: string): string {
  if (text.startsWith('# Written by berth')) return ''
  const lines = text.split('\n')
  const start = lines.findIndex((line) => line.startsWith(OPTION_BLOCK_START))
  if (start < 0) return text
  const end = lines.findIndex((line, index) => index > start && line.startsWith(OPTION_BLOCK_END))
  return [...lines.slice(0, start), ...(end < 0 ? [] : lines.slice(end + 1))].join('\n')
}
