import {BerthError, UnknownDriverError, UsageError, errorMessage} from '../errors.js'
import type {DriverDefinition, DriverHealth} from '../../driver-kit/contract.js'
import {prose, run, type Prose} from '../fix.js'
import {STORE_NAMES} from '../store/layout.js'
import {guardSecrets} from './secret-guard.js'

/** How long `berth drivers` waits for one driver's probe() before it reports the driver unhealthy. */
const PROBE_TIMEOUT_MS = 10_000
/** A driver's name and its flags' names: lower-case letters, digits and dashes. */
export const DRIVER_NAME = /^[a-z0-9][a-z0-9-]*$/
const FLAG_TYPES: ReadonlySet<unknown> = new Set(['string', 'integer', 'boolean', 'string-array'])

/** Where a driver comes from: shipped with berth, or provided by an installed plugin. */
type DriverOrigin = {kind: 'built-in'} | {kind: 'plugin'; plugin: string; version: string}

/** A driver that can be loaded on demand; nothing is imported until load() is called. */
export interface DriverSource {
  name: string
  origin: DriverOrigin
  load(): Promise<unknown>
}

interface DriverReport {
  name: string
  source: string
  health: DriverHealth
}

/** Every driver berth can use, from built-in and plugin sources. Built-in names win over plugins. */
export class DriverRegistry {
  private readonly sources = new Map<string, DriverSource>()
  private readonly conflicts: DriverSource[] = []
  // Per registry, so one command loads (and validates) a driver's module once however often it asks.
  private readonly loaded = new Map<string, Promise<DriverDefinition>>()

  constructor(sources: readonly DriverSource[]) {
    const ordered = [...sources].sort((a, b) => Number(a.origin.kind === 'plugin') - Number(b.origin.kind === 'plugin'))
    for (const source of ordered) {
      if (this.sources.has(source.name)) this.conflicts.push(source)
      else this.sources.set(source.name, source)
    }
  }

  names(): string[] {
    return [...this.sources.keys()].sort()
  }

  has(name: string): boolean {
    return this.sources.has(name)
  }

  origin(name: string): DriverOrigin | undefined {
    return this.sources.get(name)?.origin
  }

  /** Load a driver's definition; a broken plugin turns into one clear error naming the plugin. */
  get(name: string): Promise<DriverDefinition> {
    let definition = this.loaded.get(name)
    if (definition === undefined) {
      definition = this.load(name)
      this.loaded.set(name, definition)
    }
    return definition
  }

  private async load(name: string): Promise<DriverDefinition> {
    const source = this.sources.get(name)
    if (source === undefined) throw new UnknownDriverError(name, this.names())
    let loaded: unknown
    try {
      loaded = await source.load()
    } catch (error) {
      throw new BerthError(`Driver "${name}" could not be loaded: ${errorMessage(error)}`, {code: 'driver-broken', hint: fixFor(source)})
    }
    const problem = definitionProblem(source, loaded)
    if (problem !== undefined) throw new BerthError(`Driver "${name}" is broken: ${problem}`, {code: 'driver-broken', hint: fixFor(source)})
    return guardSecrets(loaded as DriverDefinition)
  }

  /**
   * The driver `create` uses when none is named: among the drivers with a defaultRank, the highest-ranked one
   * whose probe says it works here. Drivers that fail to load are passed over.
   */
  async defaultDriver(): Promise<DriverDefinition> {
    const loaded = await Promise.allSettled(this.names().map((name) => this.get(name)))
    const ranked = loaded
      .flatMap((result) => (result.status === 'fulfilled' && result.value.capabilities.defaultRank !== undefined ? [result.value] : []))
      .sort((a, b) => b.capabilities.defaultRank! - a.capabilities.defaultRank!)
    const available = this.names()
    if (ranked.length === 0) throw new UsageError('No driver chosen.', {code: 'no-driver-chosen', data: {available}})
    const healths = await Promise.all(ranked.map((definition) => probeWithin(definition, PROBE_TIMEOUT_MS)))
    const usable = ranked.find((_definition, index) => healths[index]!.healthy)
    if (usable !== undefined) return usable
    const reasons = ranked.map((definition, index) => `${definition.name}: ${(healths[index]!.problem ?? 'not usable').replace(/\.$/, '')}`)
    throw new UsageError(`No driver chosen, and no local driver works here (${reasons.join('; ')}).`, {code: 'no-driver-chosen', data: {available, unusable: reasons}, fixes: [run('drivers')]})
  }

  /** Every driver with its health; a driver that fails to load or probe is reported, never thrown. */
  async report(): Promise<DriverReport[]> {
    const reports = await Promise.all([...this.sources.values()].map(async (source): Promise<DriverReport> => {
      const sourceLabel = describeOrigin(source.origin)
      try {
        const definition = await this.get(source.name)
        return {name: source.name, source: sourceLabel, health: await probeWithin(definition, PROBE_TIMEOUT_MS)}
      } catch (error) {
        // The driver is there but cannot be used (its module fails to load or is no driver): unhealthy.
        const hint = error instanceof BerthError ? error.hint : undefined
        return {name: source.name, source: sourceLabel, health: {installed: true, healthy: false, problem: errorMessage(error), ...(hint ? {fix: hint} : {})}}
      }
    }))
    // A shadowed driver is never loaded: reporting it must not run a plugin's code that will not be used.
    for (const conflict of this.conflicts) {
      const winner = this.sources.get(conflict.name)!.origin
      const plugin = conflict.origin.kind === 'plugin' ? conflict.origin.plugin : undefined
      reports.push({
        name: conflict.name,
        source: describeOrigin(conflict.origin),
        health: {
          installed: true,
          healthy: false,
          problem: `ignored: the driver "${conflict.name}" is already provided by ${winner.kind === 'built-in' ? 'berth itself (built-in)' : describeOrigin(winner)}, which is used instead.`,
          ...(plugin === undefined ? {} : {fix: prose`Uninstall the plugin with ${run('plugins', undefined, ['uninstall', plugin])}.`}),
        },
      })
    }
    return reports.sort((a, b) => a.name.localeCompare(b.name) || a.source.localeCompare(b.source))
  }
}

function describeOrigin(origin: DriverOrigin): string {
  return origin.kind === 'built-in' ? 'built-in' : `plugin ${origin.plugin}@${origin.version}`
}

function fixFor(source: DriverSource): Prose {
  return source.origin.kind === 'plugin'
    ? prose`Reinstall or remove the plugin: ${run('plugins', undefined, ['install', source.origin.plugin])} or ${run('plugins', undefined, ['uninstall', source.origin.plugin])}.`
    : 'This is a bug in berth; please report it.'
}

/** A driver's own health report, bounded in time and checked for shape (a plugin's probe is not trusted). */
async function probeWithin(definition: DriverDefinition, ms: number): Promise<DriverHealth> {
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`its probe() did not answer within ${ms / 1000}s`)), ms)
  })
  let health: unknown
  try {
    health = await Promise.race([definition.probe(), late])
  } catch (error) {
    return {installed: true, healthy: false, problem: errorMessage(error)}
  } finally {
    clearTimeout(timer)
  }
  if (typeof health !== 'object' || health === null || typeof (health as DriverHealth).healthy !== 'boolean') {
    return {installed: true, healthy: false, problem: 'its probe() returned no health report'}
  }
  const {installed, healthy, problem, fix, detail} = health as Partial<DriverHealth>
  return {
    installed: installed !== false,
    healthy: healthy === true,
    ...(typeof problem === 'string' && problem !== '' ? {problem} : {}),
    ...(typeof fix === 'string' && fix !== '' ? {fix} : {}),
    ...(typeof detail === 'string' && detail !== '' ? {detail} : {}),
  }
}

/** Why a loaded module is not a usable driver definition, or undefined when it is. */
function definitionProblem(source: DriverSource, loaded: unknown): string | undefined {
  const name = source.name
  if (typeof loaded !== 'object' || loaded === null) return 'its module has no default export'
  const definition = loaded as Partial<Record<keyof DriverDefinition, unknown>>
  if (definition.name !== name) return `its module defines the driver "${String(definition.name)}"`
  // The name is also the driver's directory in the store (StoreLayout.driverDir).
  if (!DRIVER_NAME.test(name)) return 'its name is not lower-case letters, digits and dashes'
  if (STORE_NAMES.has(name)) return `its name is one berth's store uses for itself`
  if (!Array.isArray(definition.flags)) return 'it declares no flags list'
  if (typeof definition.capabilities !== 'object' || definition.capabilities === null) return 'it declares no capabilities'
  const rank = (definition.capabilities as {defaultRank?: unknown}).defaultRank
  if (rank !== undefined && !Number.isFinite(rank)) return `its capabilities.defaultRank is not a number (${JSON.stringify(rank)})`
  for (const method of ['probe', 'fromFlags', 'load'] as const) {
    if (typeof definition[method] !== 'function') return `it has no ${method}() function`
  }
  if (definition.example !== undefined && !isExample(definition.example)) return 'its example is not {args: [strings], machine: string}'
  const seen = new Set<string>()
  for (const flag of definition.flags as unknown[]) {
    const {name: flagName, type} = (typeof flag === 'object' && flag !== null ? flag : {}) as {name?: unknown; type?: unknown}
    if (typeof flagName !== 'string' || !DRIVER_NAME.test(flagName)) return `it declares a flag with an invalid name (${JSON.stringify(flagName)})`
    if (!FLAG_TYPES.has(type)) return `its flag --${flagName} has an unknown type (${JSON.stringify(type)})`
    if (seen.has(flagName)) return `it declares --${flagName} twice`
    seen.add(flagName)
    // A plugin's flags carry its name, so they can never shadow create's own flags or another driver's.
    if (source.origin.kind === 'plugin' && !flagName.startsWith(`${name}-`)) return `its flag --${flagName} does not start with "${name}-"`
  }
  return undefined
}

function isExample(value: unknown): boolean {
  const {args, machine} = (typeof value === 'object' && value !== null ? value : {}) as {args?: unknown; machine?: unknown}
  return typeof machine === 'string' && Array.isArray(args) && args.every((arg) => typeof arg === 'string')
}
