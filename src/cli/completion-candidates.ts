import {isDriverHelpGroup} from './driver-flags.js'
import {globalFlags} from './spec.js'

/** A flag as completion sees it. */
export interface CompletionFlag {
  name: string
  char?: string
  takesValue: boolean
  description: string
  /** The values the flag accepts, when it lists them. */
  options?: readonly string[]
  helpGroup?: string
}

/** A command as completion sees it: `id` as typed (`plugins install`), its positional arguments by name. */
export interface CompletionCommand {
  id: string
  summary: string
  flags: readonly CompletionFlag[]
  args: readonly string[]
  /** Whether its last argument repeats (rm a b c). */
  variadic: boolean
}

/** Where completion finds what it offers: read only from disk, never from an engine or a cloud. */
export interface CompletionSources {
  commands: readonly CompletionCommand[]
  machines(storagePath: string | undefined): Promise<string[]>
  drivers(): Promise<string[]>
  /** A driver's own flags, or undefined for a driver that cannot be loaded. */
  driverFlags(driver: string): Promise<CompletionFlag[] | undefined>
  shells: readonly string[]
  filterKeys: readonly string[]
}

export interface Candidate {
  value: string
  description?: string
}

/** Arguments that name a machine as `MACHINE:PATH` (scp's, mount's source): completed as `m1:`. */
const MACHINE_PATH_ARGS: Readonly<Record<string, readonly string[]>> = {scp: ['source', 'destination'], mount: ['source']}

/**
 * What may come at the end of a command line: `words` are the words after the program, the last the one being
 * typed (empty at a fresh word). Commands, flags, machine names, driver names, a driver's flags after `-d X`, the
 * values of `--shell`, `--driver` and `ls --filter`. Nothing (and the shell offers files) where a path goes.
 */
export async function completionCandidates(words: readonly string[], sources: CompletionSources): Promise<Candidate[]> {
  const current = words.at(-1) ?? ''
  const before = words.slice(0, -1)
  const globals = Object.entries(globalFlags).filter(([, spec]) => spec.hidden !== true).map(([name, spec]) => asFlag(name, spec.type !== 'boolean', spec.description, spec.char))
  const line = readLine(before, sources.commands, globals)
  const command = line.command
  if (command === undefined) {
    if (current.startsWith('-')) return matching(flagCandidates(globals), current)
    const typedTopic = line.words.join(' ')
    const next = new Map<string, string>()
    for (const {id, summary} of sources.commands) {
      if (typedTopic !== '' && !id.startsWith(`${typedTopic} `)) continue
      const word = id.slice(typedTopic === '' ? 0 : typedTopic.length + 1).split(' ')[0]!
      if (!next.has(word)) next.set(word, summary)
    }
    return matching([...next].map(([value, description]) => ({value, description})), current)
  }
  // After -d X, create's flags are its own and X's, not those of every built-in driver.
  const driver = command.id === 'create' ? line.values.get('driver') : undefined
  const driverFlags = driver === undefined ? undefined : await sources.driverFlags(driver)
  const commandFlags = driverFlags === undefined ? command.flags : [...command.flags.filter((flag) => !isDriverHelpGroup(flag.helpGroup)), ...driverFlags]
  const flags = [...commandFlags, ...globals.filter((flag) => !commandFlags.some((own) => own.name === flag.name))]
  const storagePath = line.values.get('storage-path')
  const pending = line.pendingFlag === undefined ? undefined : flags.find((flag) => flag.name === line.pendingFlag)
  if (pending !== undefined) return matching(await flagValues(pending, command, sources), current)
  if (!line.afterDashes && current.startsWith('--') && current.includes('=')) {
    const name = current.slice(2, current.indexOf('='))
    const flag = flags.find((candidate) => candidate.name === name && candidate.takesValue)
    if (flag === undefined) return []
    return matching((await flagValues(flag, command, sources)).map((value) => ({value: `--${name}=${value.value}`})), current)
  }
  if (!line.afterDashes && current.startsWith('-')) return matching(flagCandidates(flags), current)
  const index = line.positionals
  const subcommands = index === 0 ? sources.commands.filter(({id}) => id.startsWith(`${command.id} `)) : []
  if (subcommands.length > 0) return matching(subcommands.map(({id, summary}) => ({value: id.slice(command.id.length + 1).split(' ')[0]!, description: summary})), current)
  const arg = command.args[index] ?? (command.variadic ? command.args.at(-1) : undefined)
  if (arg === undefined || line.afterDashes) return []
  if (MACHINE_PATH_ARGS[command.id]?.includes(arg) === true) {
    if (current.includes(':')) return []
    return matching((await sources.machines(storagePath)).map((machine) => ({value: `${machine}:`})), current)
  }
  if (arg === 'name' && command.id !== 'create') return matching((await sources.machines(storagePath)).map((value) => ({value})), current)
  return []
}

interface ReadLine {
  command?: CompletionCommand
  /** Words typed where a command goes that name no command yet (a topic: `plugins`). */
  words: string[]
  /** The values of the flags typed so far, by name. */
  values: Map<string, string>
  /** A flag that takes a value, typed last: the current word is its value. */
  pendingFlag?: string
  positionals: number
  afterDashes: boolean
}

/** The words before the one being typed: the command, the flags' values, how many arguments came. */
function readLine(before: readonly string[], commands: readonly CompletionCommand[], globals: readonly CompletionFlag[]): ReadLine {
  const line: ReadLine = {words: [], values: new Map(), positionals: 0, afterDashes: false}
  let flags: readonly CompletionFlag[] = globals
  for (let index = 0; index < before.length; index++) {
    const word = before[index]!
    if (line.afterDashes) {
      line.positionals++
      continue
    }
    if (word === '--') {
      line.afterDashes = true
      continue
    }
    if (word.startsWith('-') && word !== '-') {
      const [name, value] = word.startsWith('--') ? splitLong(word) : [flags.find((flag) => flag.char === word[1])?.name, word.length > 2 ? word.slice(2) : undefined]
      const flag = flags.find((candidate) => candidate.name === name)
      if (flag?.takesValue !== true) continue
      if (value !== undefined) line.values.set(flag.name, value)
      else if (index + 1 < before.length) line.values.set(flag.name, before[++index]!)
      else line.pendingFlag = flag.name
      continue
    }
    if (line.command !== undefined) {
      // A command that is also a topic (`plugins`, `plugins install`).
      const sub = line.positionals === 0 ? commands.find((candidate) => candidate.id === `${line.command!.id} ${word}`) : undefined
      if (sub === undefined) line.positionals++
      else line.command = sub
      flags = [...line.command.flags, ...globals]
      continue
    }
    const id = [...line.words, word].join(' ')
    const command = commands.find((candidate) => candidate.id === id)
    if (command !== undefined) {
      line.command = command
      flags = [...command.flags, ...globals]
    } else if (commands.some((candidate) => candidate.id.startsWith(`${id} `))) {
      line.words.push(word)
    } else {
      // A word that names no command: nothing after it can be completed as an argument of one.
      return {...line, words: [...line.words, word]}
    }
  }
  return line
}

async function flagValues(flag: CompletionFlag, command: CompletionCommand, sources: CompletionSources): Promise<Candidate[]> {
  if (flag.options !== undefined) return flag.options.map((value) => ({value}))
  if (flag.name === 'driver') return (await sources.drivers()).map((value) => ({value}))
  if (flag.name === 'shell') return sources.shells.map((value) => ({value}))
  if (flag.name === 'filter' && command.id === 'ls') {
    const drivers = (await sources.drivers()).map((driver) => ({value: `driver=${driver}`}))
    return [...sources.filterKeys.map((key) => ({value: `${key}=`})), ...drivers]
  }
  return []
}

function flagCandidates(flags: readonly CompletionFlag[]): Candidate[] {
  return flags.map((flag) => ({value: `--${flag.name}`, description: flag.description}))
}

function asFlag(name: string, takesValue: boolean, description: string, char: string | undefined): CompletionFlag {
  return {name, takesValue, description, ...(char === undefined ? {} : {char})}
}

function splitLong(word: string): [string, string | undefined] {
  const equals = word.indexOf('=')
  return equals === -1 ? [word.slice(2), undefined] : [word.slice(2, equals), word.slice(equals + 1)]
}

/** The candidates that begin with what is typed, each once, a description cut to its first sentence. */
function matching(candidates: readonly Candidate[], current: string): Candidate[] {
  const seen = new Set<string>()
  const kept: Candidate[] = []
  for (const candidate of candidates) {
    if (!candidate.value.startsWith(current) || seen.has(candidate.value)) continue
    seen.add(candidate.value)
    kept.push(candidate.description === undefined ? {value: candidate.value} : {value: candidate.value, description: firstSentence(candidate.description)})
  }
  return kept
}

function firstSentence(text: string): string {
  const line = text.split('\n')[0]!
  const end = line.search(/[.:;](\s|$)/)
  return end === -1 ? line : line.slice(0, end)
}
