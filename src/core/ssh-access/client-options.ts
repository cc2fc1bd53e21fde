import {UsageError} from '../errors.js'

/** One option of the ssh client given on berth's ssh line, as ssh(1) names it: `-L 8080:localhost:80` is {letter: 'L', value}. */
export interface SshClientOption {
  letter: string
  value?: string
}

/**
 * Settings that would undo the host key berth pinned for the machine (docs/ssh.md): a config file of the user's
 * choosing, or an -o that replaces the known_hosts or turns the check off. Compared as ssh compares keywords.
 */
const PINNING_KEYWORDS = new Set(['stricthostkeychecking', 'userknownhostsfile', 'globalknownhostsfile', 'knownhostscommand', 'updatehostkeys', 'hostkeyalias', 'checkhostip'])

function refusePinningChanges(options: readonly SshClientOption[]): void {
  for (const option of options) {
    const keyword = option.letter === 'o' ? /^\s*([A-Za-z]+)/.exec(option.value ?? '')?.[1]?.toLowerCase() : undefined
    if (option.letter !== 'F' && (keyword === undefined || !PINNING_KEYWORDS.has(keyword))) continue
    const given = option.letter === 'F' ? `-F ${option.value ?? ''}` : `-o ${option.value ?? ''}`
    throw new UsageError(`The ssh option ${given} is refused: berth checks the machine's host key against the one it pinned, with its own settings.`, {
      code: 'ssh-option-unpinning', data: {option: given},
    })
  }
}

/** The words to give the system ssh, ahead of berth's own settings so that the user's -o settings win. */
export function openSshClientWords(options: readonly SshClientOption[]): string[] {
  refusePinningChanges(options)
  return options.flatMap((option) => (option.value === undefined ? [`-${option.letter}`] : [`-${option.letter}`, option.value]))
}

/** What berth's own client does with the options: -t and -T choose the terminal, -q has nothing to quieten. */
export function nativeClientTerminal(options: readonly SshClientOption[]): 'force' | 'none' | undefined {
  const unsupported = options.filter((option) => !['t', 'T', 'q'].includes(option.letter))
  if (unsupported.length > 0) {
    const listed = [...new Set(unsupported.map((option) => `-${option.letter}`))]
    throw new UsageError(`berth's built-in SSH client cannot honour ${listed.join(', ')}: only -t, -T and -q.`, {code: 'ssh-option-native', data: {options: listed}})
  }
  let terminal: 'force' | 'none' | undefined
  for (const option of options) {
    if (option.letter === 't') terminal = 'force'
    if (option.letter === 'T') terminal = 'none'
  }
  return terminal
}
