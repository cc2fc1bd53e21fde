import {globalFlags, type FlagSpec} from './spec.js'

/**
 * How `berth ssh` reads its line, `ssh [berth flags] NAME [ssh options] [--] [COMMAND...]`, as Docker Machine did:
 * it handed the words after the name to the ssh client, which reads its own options before the remote command.
 * Kept apart from the command so that the start-up route can tell a remote `--help` from a request for help.
 */

/** berth's own flags of `ssh`, before the machine name. */
export const sshCommandFlags: Record<string, FlagSpec> = {
  tty: {type: 'boolean', char: 't', description: 'Give the command a terminal (ssh -tt), for full-screen programs such as top.'},
  'native-ssh': {type: 'boolean', env: 'BERTH_NATIVE_SSH', description: 'Use berth\'s built-in SSH client even when ssh is installed.'},
}

/** The command line, split at the machine name. */
export interface SshInvocation {
  /** Berth's own part, for oclif to parse: flags, then the name. */
  head: string[]
  /** The ssh client's options after the name, each word as typed (`-L`, `8080:localhost:80`, `-oLogLevel=ERROR`). */
  options: SshOption[]
  /** The remote command's words, passed on untouched. */
  command: string[]
}

export interface SshOption {
  letter: string
  value?: string
}

/** OpenSSH's option letters (ssh(1)); those followed by ':' take a value. */
const OPENSSH_OPTIONS = '46AaCfGgKkMNnqsTtVvXxYyB:b:c:D:E:e:F:I:i:J:L:l:m:O:o:P:p:Q:R:S:W:w:'
const TAKES_VALUE = new Set([...OPENSSH_OPTIONS.matchAll(/([A-Za-z0-9]):/g)].map((match) => match[1]!))
const LETTERS = new Set([...OPENSSH_OPTIONS.replaceAll(':', '')])

/** A word after the name that is no ssh option, or one whose value is missing: the caller words the refusal. */
export class UnknownSshOption extends Error {
  override readonly name = 'UnknownSshOption'

  constructor(readonly word: string, readonly missingValue: boolean) {
    super(missingValue ? `ssh option ${word} needs a value` : `Unknown ssh option: ${word}`)
  }
}

/**
 * Split `[flags] [--] NAME [ssh options] [--] COMMAND...` at the machine name: berth's flags before it, the ssh
 * client's options after it (read as ssh reads them: grouped letters, a value joined or in the next word, up to
 * the first word that is not an option or up to "--"), and the remote command's words untouched.
 */
export function splitSshArgv(argv: readonly string[]): SshInvocation {
  const {head, afterName} = splitAtName(argv)
  return {head, ...readSshOptions(afterName)}
}

/** berth's part (flags, then the name) and the words after the name. */
function splitAtName(argv: readonly string[]): {head: string[]; afterName: string[]} {
  const flags: Record<string, FlagSpec> = {...globalFlags, ...sshCommandFlags}
  const takesValue = new Set(Object.entries(flags).filter(([, flag]) => flag.type !== 'boolean').flatMap(([name, flag]) => [`--${name}`, ...(flag.char ? [`-${flag.char}`] : [])]))
  let index = 0
  while (index < argv.length) {
    const arg = argv[index]!
    if (arg === '--') {
      index++
      break
    }
    if (!arg.startsWith('-') || arg === '-') break
    index += takesValue.has(arg) ? 2 : 1
  }
  const flagsPart = argv.slice(0, Math.min(index, argv.length)).filter((arg) => arg !== '--')
  if (index >= argv.length) return {head: flagsPart, afterName: []}
  return {head: [...flagsPart, argv[index]!], afterName: argv.slice(index + 1)}
}

function readSshOptions(words: readonly string[]): {options: SshOption[]; command: string[]} {
  const options: SshOption[] = []
  let index = 0
  while (index < words.length) {
    const word = words[index]!
    if (word === '--') return {options, command: words.slice(index + 1)}
    if (!word.startsWith('-') || word === '-') break
    index++
    for (let at = 1; at < word.length; at++) {
      const letter = word[at]!
      if (!LETTERS.has(letter)) throw new UnknownSshOption(word, false)
      if (!TAKES_VALUE.has(letter)) {
        options.push({letter})
        continue
      }
      const joined = word.slice(at + 1)
      if (joined === '' && index >= words.length) throw new UnknownSshOption(word, true)
      options.push({letter, value: joined === '' ? words[index++]! : joined})
      break
    }
  }
  return {options, command: words.slice(index)}
}

/**
 * Where a remote `--help` or `-h` must not be taken for a request for help (which oclif looks for anywhere before
 * "--"): `ssh m1 ls --help` becomes `ssh -- m1 ls --help`, which means the same. Help asked for before the name stays.
 */
export function sshArgvForOclif(argv: readonly string[], isHelp: (arg: string) => boolean): string[] {
  if (argv[0] !== 'ssh') return [...argv]
  const {head, afterName} = splitAtName(argv.slice(1))
  if (head.some(isHelp) || !afterName.some(isHelp)) return [...argv]
  return ['ssh', ...head.slice(0, -1), '--', head.at(-1)!, ...afterName]
}
