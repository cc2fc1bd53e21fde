/**
 * Commands describe their flags and arguments once, as data. The oclif command classes and the lean
 * start-up path (lean.ts) both read these descriptions, so a flag never exists in one and not the other.
 */

interface FlagCommon {
  description: string
  char?: string
  env?: string
  helpGroup?: string
  /** Accepted but left out of help: Docker Machine's flags that berth takes for its scripts' sake. */
  hidden?: boolean
}

export type FlagSpec =
  | (FlagCommon & {type: 'boolean'})
  /** `defaultHelp`: the default help shows, when berth works it out at run time (the store's path, say). */
  | (FlagCommon & {type: 'string'; default?: string; defaultHelp?: string; options?: readonly string[]; helpValue?: string})
  | (FlagCommon & {type: 'strings'; helpValue?: string})
  | (FlagCommon & {type: 'integer'; default?: number; min?: number; helpValue?: string})

export interface ArgSpec {
  name: string
  description: string
  required?: boolean
}

export interface CommandSpec {
  summary: string
  description?: string
  examples?: string[]
  flags: Record<string, FlagSpec>
  /** Positional arguments, in order. */
  args: ArgSpec[]
  /** Whether any number of machine names may follow (ip a b c, rm a b). */
  variadic?: boolean
}

/** The value types parsed flags take. */
export type FlagValue = boolean | string | number | string[] | undefined
export type ParsedFlags = Record<string, FlagValue>

export interface ParsedInput {
  flags: ParsedFlags
  args: string[]
}

/**
 * Docker Machine's global flags that berth has no use for, with why: accepted so that its scripts run unchanged,
 * left out of help, and noted under --debug. `ssh --native-ssh` is ssh's own flag and is honoured there.
 */
const IGNORED_DOCKER_MACHINE_FLAGS: Record<string, {type: 'boolean' | 'string'; why: string}> = {
  'native-ssh': {type: 'boolean', why: 'berth connects with its own SSH client; only ssh, scp and mount run the system\'s ssh (berth ssh --native-ssh uses berth\'s there)'},
  'bugsnag-api-token': {type: 'string', why: 'berth sends no error reports'},
  'github-api-token': {type: 'string', why: 'berth asks GitHub nothing'},
}

function dockerMachineOnlyFlags(): Record<string, FlagSpec> {
  return Object.fromEntries(Object.entries(IGNORED_DOCKER_MACHINE_FLAGS).map(([name, {type, why}]) => [name, {type, description: `Docker Machine's flag, ignored: ${why}.`, hidden: true, helpGroup: GLOBAL_HELP_GROUP}]))
}

/** The notes --debug shows for the ignored Docker Machine flags given. */
export function ignoredGlobalFlags(flags: ParsedFlags): string[] {
  return Object.entries(IGNORED_DOCKER_MACHINE_FLAGS)
    .filter(([name]) => flags[name] !== undefined && flags[name] !== false)
    .map(([name, {why}]) => `--${name} is ignored: ${why}.`)
}

/** The help group of the global flags: named once in a command's help, described in the top-level help. */
export const GLOBAL_HELP_GROUP = 'GLOBAL'

/** Flags every command accepts (Docker Machine's global flags). */
export const globalFlags: Record<string, FlagSpec> = {
  'storage-path': {type: 'string', char: 's', env: 'BERTH_STORAGE_PATH', defaultHelp: '~/.berth', description: 'Where berth keeps machines and certificates.', helpGroup: 'GLOBAL'},
  debug: {type: 'boolean', char: 'D', env: 'BERTH_DEBUG', description: 'Log what berth does on stderr (secrets are never logged).', helpGroup: 'GLOBAL'},
  // Read from the typed line by colour.ts (an error oclif raises before parsing is plain too); declared so both parsers take it.
  'no-color': {type: 'boolean', description: 'Progress as plain lines, one per step, and no colour (as NO_COLOR does).', helpGroup: 'GLOBAL'},
  'tls-ca-cert': {type: 'string', env: 'BERTH_TLS_CA_CERT', description: 'CA certificate to use instead of <store>/certs/ca.pem: an existing file (berth makes a CA only in the store).', helpGroup: 'GLOBAL'},
  'tls-ca-key': {type: 'string', env: 'BERTH_TLS_CA_KEY', description: 'CA private key to use instead of <store>/certs/ca-key.pem: an existing file, mode 0600.', helpGroup: 'GLOBAL'},
  'tls-client-cert': {type: 'string', env: 'BERTH_TLS_CLIENT_CERT', description: 'Client certificate to use instead of <store>/certs/cert.pem: an existing file.', helpGroup: 'GLOBAL'},
  'tls-client-key': {type: 'string', env: 'BERTH_TLS_CLIENT_KEY', description: 'Client key to use instead of <store>/certs/key.pem: an existing file.', helpGroup: 'GLOBAL'},
  ...dockerMachineOnlyFlags(),
}

/** Global flags may come before the command, as with Docker Machine (`berth -s DIR ls`); oclif wants them after. */
export function moveLeadingGlobalFlags(argv: readonly string[]): string[] {
  const leading: string[] = []
  let index = 0
  while (index < argv.length) {
    const arg = argv[index]!
    const spec = globalFlagFor(arg)
    if (spec === undefined) break
    leading.push(arg)
    index++
    if (spec.type !== 'boolean' && !arg.includes('=') && index < argv.length) leading.push(argv[index++]!)
  }
  if (leading.length === 0 || index >= argv.length) return [...argv]
  return [argv[index]!, ...leading, ...argv.slice(index + 1)]
}

function globalFlagFor(arg: string): FlagSpec | undefined {
  if (arg.startsWith('--')) return globalFlags[arg.slice(2).split('=')[0]!]
  if (arg.length === 2 && arg.startsWith('-')) return Object.values(globalFlags).find((flag) => flag.char === arg[1])
  return undefined
}
