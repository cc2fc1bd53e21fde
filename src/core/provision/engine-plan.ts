import {BerthError} from '../errors.js'
import {joinProse, prose, run, type Prose} from '../fix.js'
import type {EngineOptions} from '../store/schema.js'
import {daemonJsonKey, parseDockerdArgs, type DockerdArg, type DockerdOption} from './dockerd-options.js'
import {ENGINE_SOCKET, berthDockerdArgs, renderEngineConfig} from './engine-config.js'
import type {InitSystem} from './init-systems.js'
import type {PresentEngine} from './engine-present.js'

/** Something berth would set that the host's engine configuration already sets otherwise. */
interface EngineConflict {
  /** What berth would set, as the user would recognise it. */
  berth: string
  /** What the host sets, and where. */
  host: string
  /** How to resolve it. */
  fix: Prose
}

/** Provisioning would break the engine's present configuration: nothing is changed, and each conflict is named. */
export class EngineConflictError extends BerthError {
  override readonly name = 'EngineConflictError'
  constructor(readonly conflicts: readonly EngineConflict[]) {
    const [first] = conflicts
    super(`The host's engine configuration conflicts with berth's: ${conflicts.map((conflict) => `${conflict.host}, but berth sets ${conflict.berth}`).join('; ')}. Nothing on the host was changed.`, {
      code: 'engine-conflict',
      data: {},
      hint: conflicts.length === 1 ? first!.fix : joinProse(conflicts.map((conflict, index) => joinProse([`(${index + 1})`, conflict.fix]))),
    })
  }
}

/** The lists berth may add to in daemon.json (beside the user's values) instead of passing them as flags. */
const MERGEABLE = [
  {flag: 'label', key: 'labels', values: (engine: EngineOptions) => engine.labels},
  {flag: 'insecure-registry', key: 'insecure-registries', values: (engine: EngineOptions) => engine.insecureRegistries},
  {flag: 'registry-mirror', key: 'registry-mirrors', values: (engine: EngineOptions) => engine.registryMirrors},
] as const

/** Options berth owns: how the engine listens and its TLS. The user cannot also set them, in flags or daemon.json. */
const BERTH_OWNED = new Set(['host', 'tls', 'tlsverify', 'tlscacert', 'tlscert', 'tlskey'])

interface PlanInput {
  init: InitSystem
  dockerdPath: string
  engine: EngineOptions
  present: PresentEngine
  /** The values berth added to daemon.json's lists last time (from its marker on the host). */
  previousAdditions: Readonly<Record<string, readonly string[]>>
  /** Whether berth already configured this engine (its running arguments then include berth's own). */
  berthConfigured: boolean
}

export interface PlannedFile {
  path: string
  content: string
  mode: number
}

export interface EnginePlan {
  files: PlannedFile[]
  /** The values berth adds to daemon.json's lists, for its marker. */
  additions: Record<string, string[]>
  /** dockerd's whole argument list after the change (the service's own, then berth's), for validation. */
  args: string[]
}

/**
 * What berth writes so the engine listens with TLS, without breaking what the host configured: options that may be
 * given once are checked against the service's arguments and daemon.json (dockerd refuses an option set as a flag
 * and in daemon.json, and duplicate label keys); lists berth and daemon.json both set are merged into daemon.json;
 * options the host's dockerd does not know are refused. Throws EngineConflictError, having changed nothing.
 */
export async function planEngineConfig(input: PlanInput): Promise<EnginePlan> {
  const {engine, present} = input
  const conflicts: EngineConflict[] = []
  const conflict = (berth: string, host: string, fix: Prose): void => void conflicts.push({berth, host, fix})
  const json = present.daemonJson
  const jsonPath = json.path
  if ('error' in json) conflict('its options', `${jsonPath} cannot be read: ${json.error}`, `Fix ${jsonPath} (dockerd would not start with it either), then run berth again.`)
  const userJson = 'values' in json ? withoutAdditions(json.values, input.previousAdditions) : {}
  const service = present.service.args
  const serviceValues = (name: string): string[] => service.filter((arg) => arg.name === name).map((arg) => arg.value ?? 'true')

  for (const path of present.overriding) {
    conflict('its own ExecStart= in 10-berth.conf', `${path} sets ExecStart= after it`, `Move the dockerd options of ${path} into ${jsonPath} (or remove its ExecStart= lines), then run berth again.`)
  }
  checkOwnedOptions(present, userJson, jsonPath, input.berthConfigured, conflict)

  // The unix socket: kept where the service already serves it (socket activation with fd://, or the socket itself).
  const unixServed = serviceValues('host').some((host) => host.startsWith('fd://') || host === ENGINE_SOCKET || host === 'unix:///run/docker.sock')
  const except = {labels: [] as string[], insecureRegistries: [] as string[], registryMirrors: [] as string[], storageDriver: false, opts: [] as string[]}
  const exceptLists = {label: except.labels, 'insecure-registry': except.insecureRegistries, 'registry-mirror': except.registryMirrors}
  const additions: Record<string, string[]> = {}
  const newJson: Record<string, unknown> = {...userJson}

  for (const {flag, key, values} of MERGEABLE) {
    const fromService = serviceValues(flag)
    const fromJson = userJson[key]
    if (fromJson !== undefined && !isStringList(fromJson)) {
      conflict(`--${flag}`, `${jsonPath} sets "${key}" to ${JSON.stringify(fromJson)}, which is not a list of strings`, `Fix "${key}" in ${jsonPath}.`)
      continue
    }
    const existing = [...fromService, ...(fromJson ?? [])]
    for (const value of values(engine)) {
      if (existing.includes(value)) exceptLists[flag].push(value)
      else if (flag === 'label') checkLabelKey(value, existing, present.service.source, fromJson === undefined ? undefined : jsonPath, conflict)
    }
    if (fromJson === undefined) continue
    // daemon.json has the list: berth's values join it there, since dockerd refuses the same option as a flag too.
    const added = values(engine).filter((value) => !existing.includes(value))
    exceptLists[flag].push(...added)
    if (added.length > 0) {
      additions[key] = added
      newJson[key] = [...fromJson, ...added]
    }
  }

  if (engine.storageDriver !== undefined) {
    const given = {berth: `--engine-storage-driver ${engine.storageDriver}`, drop: 'leave out --engine-storage-driver'}
    if (sameOrConflict('storage-driver', engine.storageDriver, present, userJson, given, conflict)) except.storageDriver = true
  }
  for (const opt of engine.opts) {
    const [name = '', value] = splitOpt(opt)
    const option = present.options?.get(name)
    if (present.options !== undefined && option === undefined) {
      conflict(`--engine-opt ${opt}`, `dockerd on the host (${present.dockerdVersion || 'its version unknown'}) has no option --${name}`, prose`Check the name with "dockerd --help" on the host, and remove the option with ${run('provision', undefined, ['--engine-opt-rm', name])} if it was stored.`)
      continue
    }
    if (option !== undefined && option.takesValue && value === undefined) {
      conflict(`--engine-opt ${opt}`, `dockerd's option --${option.long} needs a value`, `Give it as --engine-opt ${option.long}=VALUE.`)
      continue
    }
    const long = option?.long ?? name
    if (BERTH_OWNED.has(long)) {
      conflict(`--engine-opt ${opt}`, `berth sets --${long} itself, for the engine's TLS port`, `Leave --${long} to berth (--engine-port changes the port).`)
      continue
    }
    if (option?.repeatable === true) {
      if (serviceValues(long).includes(value ?? 'true')) except.opts.push(opt)
      else if (userJson[daemonJsonKey(long)] !== undefined) conflict(`--engine-opt ${opt}`, `${jsonPath} sets "${daemonJsonKey(long)}"`, `Add the value to "${daemonJsonKey(long)}" in ${jsonPath} instead of --engine-opt ${long}.`)
      continue
    }
    const given = {berth: `--engine-opt ${opt}`, drop: `remove it from berth with --engine-opt-rm ${name}`}
    if (sameOrConflict(long, value ?? 'true', present, userJson, given, conflict, option)) except.opts.push(opt)
  }
  if (conflicts.length > 0) throw new EngineConflictError(conflicts)

  const args = unixServed ? berthDockerdArgs(engine, except) : ['-H', ENGINE_SOCKET, ...berthDockerdArgs(engine, except)]
  const config = await renderEngineConfig(input.init, input.dockerdPath, engine, args, {
    ...(present.baseExecStart === undefined ? {} : {execStart: present.baseExecStart}),
    ...(present.optionFileText === undefined ? {} : {optionFileText: present.optionFileText}),
  })
  const files: PlannedFile[] = [{...config, mode: 0o644}]
  if ('values' in json && !sameJson(newJson, json.values)) files.push({path: jsonPath, content: `${JSON.stringify(newJson, null, 2)}\n`, mode: 0o644})
  return {files, additions, args: [...service.flatMap((arg) => arg.words), ...args]}
}

/** The user's own daemon.json: the values berth added last time taken out of its lists. */
function withoutAdditions(values: Record<string, unknown>, previous: Readonly<Record<string, readonly string[]>>): Record<string, unknown> {
  const result = {...values}
  for (const [key, added] of Object.entries(previous)) {
    const list = result[key]
    if (!isStringList(list)) continue
    const left = list.filter((value) => !added.includes(value))
    if (left.length > 0) result[key] = left
    else delete result[key]
  }
  return result
}

/** How the engine listens and its TLS are berth's: the service's flags, the running engine and daemon.json must leave them. */
function checkOwnedOptions(present: PresentEngine, userJson: Record<string, unknown>, jsonPath: string, berthConfigured: boolean, conflict: (berth: string, host: string, fix: string) => void): void {
  const owned = (args: readonly DockerdArg[]): DockerdArg[] => args.filter((arg) => BERTH_OWNED.has(arg.name) && !(arg.name === 'host' && isLocalSocket(arg.value)))
  for (const arg of owned(present.service.args)) {
    conflict(berthSide(arg.name), `${present.service.source} gives ${arg.words.join(' ')}`, `Remove ${arg.words.join(' ')} from ${serviceWhere(present)}: berth serves the engine on the unix socket and with TLS on its port.`)
  }
  // An engine started by hand or from another configuration: a restart through the service would drop what it listens on.
  if (!berthConfigured && present.running !== undefined) {
    const given = new Set(present.service.args.flatMap((arg) => arg.words))
    for (const arg of owned(parseDockerdArgs(present.running.args, present.options ?? new Map()))) {
      if (arg.words.every((word) => given.has(word))) continue
      conflict(berthSide(arg.name), `the running dockerd (pid ${present.running.pid}) was started with ${arg.words.join(' ')}, which its service does not give`, 'Configure the engine through its service (or daemon.json) and restart it, then run berth again.')
    }
  }
  for (const key of ['hosts', 'tls', 'tlsverify', 'tlscacert', 'tlscert', 'tlskey']) {
    if (userJson[key] === undefined) continue
    conflict(key === 'hosts' ? '-H (its sockets) as dockerd flags' : '--tlsverify and its certificates as dockerd flags', `${jsonPath} sets "${key}": ${JSON.stringify(userJson[key])}`, `Remove "${key}" from ${jsonPath}: dockerd refuses an option given both there and as a flag, and berth serves the engine on the unix socket and with TLS on its port.`)
  }
}

const isLocalSocket = (value: string | undefined): boolean => value !== undefined && (value.startsWith('fd://') || value.startsWith('unix://'))

function berthSide(name: string): string {
  return name === 'host' ? '-H tcp://0.0.0.0:PORT with TLS (and --tlsverify applies to every TCP socket)' : `--${name} with its own certificates`
}

/**
 * An option berth sets once: fine when the host sets nothing, or the same value (then berth does not repeat it, as
 * dockerd refuses the same option twice from flag and file); a conflict otherwise. True when the host sets it already.
 */
function sameOrConflict(long: string, value: string, present: PresentEngine, userJson: Record<string, unknown>, given: {berth: string; drop: string}, conflict: (berth: string, host: string, fix: string) => void, option?: DockerdOption): boolean {
  const jsonPath = present.daemonJson.path
  const key = daemonJsonKey(long)
  const fromJson = userJson[key]
  const fromService = present.service.args.filter((arg) => arg.name === long || (option?.short !== undefined && arg.name === option.short)).map((arg) => arg.value ?? 'true')
  if (fromJson !== undefined) {
    if (jsonScalar(fromJson) === value) return true
    conflict(given.berth, `${jsonPath} sets "${key}": ${JSON.stringify(fromJson)}`, `Choose one: change "${key}" in ${jsonPath}, or ${given.drop}.`)
    return false
  }
  if (fromService.length === 0) return false
  if (fromService.every((setting) => setting === value)) return true
  conflict(given.berth, `${present.service.source} gives --${long} ${fromService.join(', ')}`, `Choose one: change it in ${serviceWhere(present)}, or ${given.drop}.`)
  return false
}

/** Where the user changes the service's arguments. */
function serviceWhere(present: PresentEngine): string {
  return present.service.source.replace(/^the ExecStart= of /, '')
}

/** dockerd refuses two labels with the same key and different values (wherever each is set). */
function checkLabelKey(label: string, existing: readonly string[], serviceSource: string, jsonPath: string | undefined, conflict: (berth: string, host: string, fix: string) => void): void {
  const key = label.split('=')[0]
  const clash = existing.find((other) => other.split('=')[0] === key && other !== label)
  if (clash === undefined) return
  conflict(`the label ${label}`, `${jsonPath ?? serviceSource} sets the label ${clash}`, `Use one value for "${key}": drop it from ${jsonPath ?? serviceSource}, or give berth the same with --engine-label ${clash}.`)
}

/** The same settings, whatever the order of their keys. */
function sameJson(a: Record<string, unknown>, b: Record<string, unknown>): boolean {
  const canonical = (values: Record<string, unknown>): string => JSON.stringify(Object.keys(values).sort().map((key) => [key, values[key]]))
  return canonical(a) === canonical(b)
}

/** A daemon.json value as a flag would give it: strings, numbers and booleans as text, anything else as JSON. */
function jsonScalar(value: unknown): string {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? String(value) : JSON.stringify(value)
}

function splitOpt(opt: string): [string, string | undefined] {
  const index = opt.indexOf('=')
  return index < 0 ? [opt, undefined] : [opt.slice(0, index), opt.slice(index + 1)]
}

function isStringList(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string')
}
