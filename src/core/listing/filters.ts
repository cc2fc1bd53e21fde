import {UsageError} from '../errors.js'
import {VALUE_LIMIT, cutText, quoteValue} from '../safe-text.js'

/** A parsed `--filter` list. Values of one key are alternatives (OR); different keys must all match (AND). */
export interface Filters {
  readonly driver: readonly string[]
  readonly state: readonly string[]
  readonly name: readonly NamePattern[]
  readonly label: readonly LabelFilter[]
  readonly swarm: readonly string[]
}

/** A compiled `name=` pattern: whether it matches somewhere in a name. */
interface NamePattern {
  readonly source: string
  test(name: string): boolean
}

/** `label=key=value` matches that value (any case); `label=key` matches any value. */
interface LabelFilter {
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

export const FILTER_KEYS = ['driver', 'state', 'name', 'label', 'swarm'] as const
type Key = typeof FILTER_KEYS[number]

const isKey = (key: string): key is Key => (FILTER_KEYS as readonly string[]).includes(key)

export async function parseFilters(values: readonly string[]): Promise<Filters> {
  const filters = {driver: [] as string[], state: [] as string[], name: [] as NamePattern[], label: [] as LabelFilter[], swarm: [] as string[]}
  const names: Array<{filter: string; pattern: string}> = []
  for (const filter of values) {
    const separator = filter.indexOf('=')
    if (separator === -1) throw new UsageError(`Unsupported filter syntax ${quoted(filter)}: use key=value.`, {code: 'filter-invalid', data: {kind: 'syntax', filter}})
    const key = filter.slice(0, separator).toLowerCase()
    const value = filter.slice(separator + 1)
    if (!isKey(key)) throw new UsageError(`Unsupported filter key ${quoted(filter.slice(0, separator))}.`, {code: 'filter-invalid', data: {kind: 'key', key: filter.slice(0, separator), keys: FILTER_KEYS}})
    if (key === 'name') names.push({filter, pattern: value})
    else if (key === 'label') filters.label.push(labelFilter(value))
    else filters[key].push(value)
  }
  if (names.length > 0) filters.name.push(...await compileNamePatterns(names))
  return filters
}

/** A filter as Docker Machine quoted it in messages: 'name=x'. */
const quoted = (text: string): string => quoteValue(text, "'")

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
 * Docker Machine's name filter is an unanchored Go regexp. RE2JS reads the same syntax (inline flags such as
 * `(?i)`, no backreferences or lookaround) and, like Go's engine, matches in time linear in the name: a pattern
 * such as `(a+)+$` cannot make `ls` hang, as it would with JavaScript's backtracking RegExp. Loaded only when a
 * name filter is given.
 */
async function compileNamePatterns(filters: ReadonlyArray<{filter: string; pattern: string}>): Promise<NamePattern[]> {
  const {RE2JS} = await import('re2js')
  return filters.map(({filter, pattern}) => {
    try {
      const compiled = RE2JS.compile(pattern)
      return {source: pattern, test: (name: string) => compiled.matcher(name).find()}
    } catch (error) {
      // RE2JS words its errors as Go does: "error parsing regexp: missing closing ]: `[`", the pattern cut when long.
      const reason = (error instanceof Error ? error.message : String(error)).replace(/^error parsing regexp: /, '').replace(/`([^]*)`$/, (_, expr: string) => `\`${cutText(expr, VALUE_LIMIT)}\``)
      throw new UsageError(`Invalid regular expression in filter ${quoted(filter)}: ${reason}.`, {code: 'filter-invalid', data: {kind: 'regexp', filter, reason}})
    }
  })
}
