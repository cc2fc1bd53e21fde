import {UsageError} from '../errors.js'

/** A parsed `--filter` list. Values of one key are alternatives (OR); different keys must all match (AND). */
export interface Filters {
  readonly driver: readonly string[]
  readonly state: readonly string[]
  readonly name: readonly RegExp[]
  readonly label: readonly LabelFilter[]
  readonly swarm: readonly string[]
}

/** `label=key=value` matches that value (any case); `label=key` matches any value. */
export interface LabelFilter {
  readonly key: string
  readonly value: string | undefined
}

/** What filters look at for one machine. `state` is only read when `needsState` says so. */
export interface FilterSubject {
  readonly name: string
  readonly driver: string
  readonly state: string
  /** Engine labels as `key=value`. */
  readonly labels: readonly string[]
  /** The swarm master's name, empty outside a swarm. */
  readonly swarm: string
}

const KEYS = ['driver', 'state', 'name', 'label', 'swarm'] as const
type Key = typeof KEYS[number]

const isKey = (key: string): key is Key => (KEYS as readonly string[]).includes(key)

export function parseFilters(values: readonly string[]): Filters {
  const filters = {driver: [] as string[], state: [] as string[], name: [] as RegExp[], label: [] as LabelFilter[], swarm: [] as string[]}
  for (const filter of values) {
    const separator = filter.indexOf('=')
    if (separator === -1) throw new UsageError(`Unsupported filter syntax '${filter}': use key=value.`, {hint: 'For example: --filter driver=generic --filter state=running'})
    const key = filter.slice(0, separator).toLowerCase()
    const value = filter.slice(separator + 1)
    if (!isKey(key)) throw new UsageError(`Unsupported filter key '${filter.slice(0, separator)}'.`, {hint: `Filter keys: ${KEYS.join(', ')}.`})
    if (key === 'name') filters.name.push(nameRegExp(filter, value))
    else if (key === 'label') filters.label.push(labelFilter(value))
    else filters[key].push(value)
  }
  return filters
}

/** Whether matching needs each machine's state, which costs a driver call. */
export function needsState(filters: Filters): boolean {
  return filters.state.length > 0
}

export function matchesFilters(filters: Filters, item: FilterSubject): boolean {
  return anyOf(filters.driver, (driver) => sameText(driver, item.driver))
    && anyOf(filters.state, (state) => sameText(state, item.state))
    && anyOf(filters.name, (pattern) => pattern.test(item.name))
    && anyOf(filters.label, (label) => item.labels.some((engineLabel) => labelMatches(label, engineLabel)))
    && anyOf(filters.swarm, (swarm) => sameText(swarm, item.swarm))
}

function anyOf<T>(wanted: readonly T[], matches: (value: T) => boolean): boolean {
  return wanted.length === 0 || wanted.some(matches)
}

const sameText = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase()

function labelFilter(value: string): LabelFilter {
  const separator = value.indexOf('=')
  return separator === -1 ? {key: value, value: undefined} : {key: value.slice(0, separator), value: value.slice(separator + 1)}
}

function labelMatches(filter: LabelFilter, engineLabel: string): boolean {
  const {key, value} = labelFilter(engineLabel)
  return key === filter.key && (filter.value === undefined || sameText(filter.value, value ?? ''))
}

/**
 * Docker Machine's name filter is an unanchored Go regexp. JS syntax covers what names need; Go's
 * leading flag group (`(?i)web`) is turned into JS flags since JS has no inline flags.
 */
function nameRegExp(filter: string, pattern: string): RegExp {
  const flags = /^\(\?([ims]+)\)/.exec(pattern)
  try {
    return flags === null ? new RegExp(pattern) : new RegExp(pattern.slice(flags[0].length), flags[1])
  } catch (error) {
    const reason = error instanceof Error ? error.message.replace(/^.*: /, '') : String(error)
    throw new UsageError(`Invalid regular expression in filter '${filter}': ${reason}.`, {hint: 'The name filter is a regular expression, e.g. --filter name=^web-'})
  }
}
