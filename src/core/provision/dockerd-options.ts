/**
 * dockerd's options as the host's own dockerd describes them (`dockerd --help`), and command lines read with them:
 * which names exist, which take a value, and which may repeat. berth checks its engine options against this table
 * before it writes anything, so an option the host's dockerd does not know is refused instead of leaving the
 * engine unable to start.
 */

export interface DockerdOption {
  long: string
  short?: string
  /** Whether the option takes a value (everything but booleans). */
  takesValue: boolean
  /** Options that collect repeated values (lists, maps, ulimits, pools): giving one twice adds, never replaces. */
  repeatable: boolean
}

export type DockerdOptionTable = ReadonlyMap<string, DockerdOption>

/** Value types `dockerd --help` prints for options that collect repeated values. */
const REPEATABLE_TYPES = new Set(['list', 'map', 'ulimit', 'ulimits', 'pool-options', 'runtime', 'mirror'])

/** One option line of `dockerd --help`: `  -H, --host list   Daemon socket(s)...` or `      --tlsverify   Use TLS...`. */
const OPTION_LINE = /^\s{1,8}(?:-([A-Za-z]), )?--([a-z0-9][a-z0-9-]*)(?: ([a-z][a-z0-9-]*))?(?:\s{2,}|$)/

export function parseDockerdHelp(text: string): DockerdOptionTable {
  const table = new Map<string, DockerdOption>()
  for (const line of text.split('\n')) {
    const match = OPTION_LINE.exec(line)
    if (match === null) continue
    const [, short, long, type] = match
    const option: DockerdOption = {long: long!, takesValue: type !== undefined, repeatable: type !== undefined && REPEATABLE_TYPES.has(type), ...(short ? {short} : {})}
    table.set(long!, option)
    if (short) table.set(short, option)
  }
  return table
}

/** One option of a command line: its long name (or the name as written when unknown) and its value if any. */
export interface DockerdArg {
  name: string
  value?: string
  /** False when the table has no such option. */
  known: boolean
  /** The words it was read from, as given. */
  words: string[]
}

/**
 * Read dockerd arguments with the host's option table: `--name=value`, `--name value`, `-H value`, `-Hvalue`,
 * boolean `--name` or `--name=false`. Words that are not options (a stray value) come back unknown.
 */
export function parseDockerdArgs(words: readonly string[], table: DockerdOptionTable): DockerdArg[] {
  const args: DockerdArg[] = []
  for (let index = 0; index < words.length; index++) {
    const word = words[index]!
    const long = /^--([^=]+)(?:=([\s\S]*))?$/.exec(word)
    const short = long === null ? /^-([A-Za-z])([\s\S]*)$/.exec(word) : null
    const written = long?.[1] ?? short?.[1]
    const option = written === undefined ? undefined : table.get(written)
    if (option === undefined) {
      args.push({name: written ?? word, ...(long?.[2] === undefined ? {} : {value: long[2]}), known: false, words: [word]})
      continue
    }
    let value = long !== null ? long[2] : short![2] === '' ? undefined : short![2]!.replace(/^=/, '')
    const taken = [word]
    if (value === undefined && option.takesValue && index + 1 < words.length) {
      value = words[++index]!
      taken.push(value)
    }
    args.push({name: option.long, ...(value === undefined ? {} : {value}), known: true, words: taken})
  }
  return args
}

/** The daemon.json key of an option: its long name, except for the options daemon.json names in the plural. */
export function daemonJsonKey(option: string): string {
  return DAEMON_JSON_PLURALS[option] ?? option
}

const DAEMON_JSON_PLURALS: Readonly<Record<string, string>> = {
  'host': 'hosts',
  'label': 'labels',
  'insecure-registry': 'insecure-registries',
  'registry-mirror': 'registry-mirrors',
  'dns-opt': 'dns-opts',
  'exec-opt': 'exec-opts',
  'storage-opt': 'storage-opts',
  'log-opt': 'log-opts',
  'default-ulimit': 'default-ulimits',
  'add-runtime': 'runtimes',
  'authorization-plugin': 'authorization-plugins',
  'node-generic-resource': 'node-generic-resources',
  'default-address-pool': 'default-address-pools',
  'cluster-store-opt': 'cluster-store-opts',
  'feature': 'features',
}
