import {BerthError, UnknownDriverError, errorMessage} from '../errors.js'
import type {DriverDefinition, DriverHealth} from './driver.js'

/** Where a driver comes from: shipped with berth, or provided by an installed plugin. */
export type DriverOrigin = {kind: 'built-in'} | {kind: 'plugin'; plugin: string; version: string}

/** A driver that can be loaded on demand; nothing is imported until load() is called. */
export interface DriverSource {
  name: string
  origin: DriverOrigin
  load(): Promise<unknown>
}

export interface DriverReport {
  name: string
  source: string
  health: DriverHealth
}

/** Every driver berth can use, from built-in and plugin sources. Built-in names win over plugins. */
export class DriverRegistry {
  private readonly sources = new Map<string, DriverSource>()
  private readonly conflicts: DriverSource[] = []

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
  async get(name: string): Promise<DriverDefinition> {
    const source = this.sources.get(name)
    if (source === undefined) throw new UnknownDriverError(name, this.names())
    let loaded: unknown
    try {
      loaded = await source.load()
    } catch (error) {
      throw new BerthError(`Driver "${name}" could not be loaded: ${errorMessage(error)}`, {hint: fixFor(source)})
    }
    const problem = definitionProblem(name, loaded)
    if (problem !== undefined) throw new BerthError(`Driver "${name}" is broken: ${problem}`, {hint: fixFor(source)})
    return loaded as DriverDefinition
  }

  /** Every driver with its health; a driver that fails to load or probe is reported, never thrown. */
  async report(): Promise<DriverReport[]> {
    const reports = await Promise.all([...this.sources.values()].map(async (source): Promise<DriverReport> => {
      const sourceLabel = describeOrigin(source.origin)
      try {
        const definition = await this.get(source.name)
        return {name: source.name, source: sourceLabel, health: await definition.probe()}
      } catch (error) {
        const hint = error instanceof BerthError ? error.hint : undefined
        return {name: source.name, source: sourceLabel, health: {installed: false, healthy: false, problem: errorMessage(error), ...(hint ? {fix: hint} : {})}}
      }
    }))
    for (const conflict of this.conflicts) {
      reports.push({
        name: conflict.name,
        source: describeOrigin(conflict.origin),
        health: {installed: true, healthy: false, problem: `another driver named "${conflict.name}" is already provided by ${describeOrigin(this.sources.get(conflict.name)!.origin)}`, fix: `Uninstall one of them with "berth plugins uninstall".`},
      })
    }
    return reports.sort((a, b) => a.name.localeCompare(b.name) || a.source.localeCompare(b.source))
  }
}

export function describeOrigin(origin: DriverOrigin): string {
  return origin.kind === 'built-in' ? 'built-in' : `plugin ${origin.plugin}@${origin.version}`
}

function fixFor(source: DriverSource): string {
  return source.origin.kind === 'plugin'
    ? `Reinstall or remove the plugin: "berth plugins install ${source.origin.plugin}" or "berth plugins uninstall ${source.origin.plugin}".`
    : 'This is a bug in berth; please report it.'
}

/** Why a loaded module is not a usable driver definition, or undefined when it is. */
function definitionProblem(name: string, loaded: unknown): string | undefined {
  if (typeof loaded !== 'object' || loaded === null) return 'its module has no default export'
  const definition = loaded as Partial<Record<keyof DriverDefinition, unknown>>
  if (definition.name !== name) return `its module defines the driver "${String(definition.name)}"`
  if (!Array.isArray(definition.flags)) return 'it declares no flags list'
  if (typeof definition.capabilities !== 'object' || definition.capabilities === null) return 'it declares no capabilities'
  for (const method of ['probe', 'fromFlags', 'load'] as const) {
    if (typeof definition[method] !== 'function') return `it has no ${method}() function`
  }
  return undefined
}
