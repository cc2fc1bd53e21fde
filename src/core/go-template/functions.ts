import {toJson} from './go-json.js'
import {sprint, sprintf, sprintln} from './go-fmt.js'
import {formatValue, goTypeName, isPlainObject, isTruthy} from './go-values.js'

/** A function failed; `argIndex` blames one argument (a wrong type), otherwise the call itself. */
export class FunctionError extends Error {
  constructor(message: string, readonly argIndex?: number) {
    super(message)
  }
}

interface Arity {
  readonly min: number
  readonly max: number
}

export type TemplateFunction =
  | (Arity & {readonly kind: 'eager'; readonly call: (args: readonly unknown[]) => unknown})
  /** Go's `and`/`or`: arguments are evaluated in order until one's truth equals `stopWhen`. */
  | (Arity & {readonly kind: 'short-circuit'; readonly stopWhen: boolean})

const eager = (min: number, max: number, call: (args: readonly unknown[]) => unknown): TemplateFunction => ({kind: 'eager', min, max, call})

/**
 * Go's built-in template functions that make sense for berth's data, Docker CLI's `upper`, `lower`
 * and `join`, and Docker Machine's `json` and `prettyjson` (available everywhere, not just in inspect).
 */
export const FUNCTIONS: ReadonlyMap<string, TemplateFunction> = new Map<string, TemplateFunction>([
  ['and', {kind: 'short-circuit', min: 1, max: Infinity, stopWhen: false}],
  ['or', {kind: 'short-circuit', min: 1, max: Infinity, stopWhen: true}],
  ['not', eager(1, 1, ([value]) => !isTruthy(value))],
  ['eq', eager(2, Infinity, ([first, ...others]) => others.some((other) => equals(first, other)))],
  ['ne', eager(2, 2, ([a, b]) => !equals(a, b))],
  ['lt', eager(2, 2, ([a, b]) => order(a, b) < 0)],
  ['le', eager(2, 2, ([a, b]) => order(a, b) <= 0)],
  ['gt', eager(2, 2, ([a, b]) => order(a, b) > 0)],
  ['ge', eager(2, 2, ([a, b]) => order(a, b) >= 0)],
  ['len', eager(1, 1, ([value]) => lengthOf(value))],
  ['index', eager(1, Infinity, ([item, ...keys]) => keys.reduce(indexInto, item))],
  ['print', eager(0, Infinity, sprint)],
  ['println', eager(0, Infinity, sprintln)],
  ['printf', eager(1, Infinity, ([format, ...args]) => sprintf(requireString(format, 0), args))],
  ['json', eager(1, 1, ([value]) => toJson(value))],
  ['prettyjson', eager(1, 1, ([value]) => toJson(value, '    '))],
  ['upper', eager(1, 1, ([value]) => requireString(value, 0).toUpperCase())],
  ['lower', eager(1, 1, ([value]) => requireString(value, 0).toLowerCase())],
  ['join', eager(2, 2, ([list, separator]) => requireArray(list, 0).map(formatValue).join(requireString(separator, 1)))],
])

function requireString(value: unknown, argIndex: number): string {
  if (typeof value !== 'string') throw new FunctionError(`wrong type for value; expected string; got ${goTypeName(value)}`, argIndex)
  return value
}

function requireArray(value: unknown, argIndex: number): readonly unknown[] {
  if (!Array.isArray(value)) throw new FunctionError(`wrong type for value; expected []string; got ${goTypeName(value)}`, argIndex)
  return value
}

const isBasic = (value: unknown): value is string | number | boolean => ['string', 'number', 'boolean'].includes(typeof value)

function equals(a: unknown, b: unknown): boolean {
  const aNil = a === null || a === undefined
  const bNil = b === null || b === undefined
  if (aNil || bNil) return aNil && bNil
  if (!isBasic(a)) throw new FunctionError(`non-comparable type ${formatValue(a)}: ${goTypeName(a)}`)
  if (!isBasic(b)) throw new FunctionError(`non-comparable type ${formatValue(b)}: ${goTypeName(b)}`)
  if (typeof a !== typeof b) throw new FunctionError('incompatible types for comparison')
  return a === b
}

function order(a: unknown, b: unknown): number {
  if ((typeof a !== 'string' && typeof a !== 'number') || (typeof b !== 'string' && typeof b !== 'number')) {
    throw new FunctionError('invalid type for comparison')
  }
  if (typeof a !== typeof b) throw new FunctionError('incompatible types for comparison')
  return a < b ? -1 : a > b ? 1 : 0
}

function lengthOf(value: unknown): number {
  // Go's len of a string counts bytes.
  if (typeof value === 'string') return Buffer.byteLength(value)
  if (Array.isArray(value)) return value.length
  if (isPlainObject(value)) return Object.keys(value).length
  throw new FunctionError(`len of type ${goTypeName(value)}`)
}

function indexInto(item: unknown, key: unknown): unknown {
  if (Array.isArray(item)) {
    if (typeof key !== 'number' || !Number.isInteger(key)) throw new FunctionError(`cannot index slice/array with type ${goTypeName(key)}`)
    if (key < 0 || key >= item.length) throw new FunctionError(`index out of range: ${key}`)
    return item[key]
  }
  if (isPlainObject(item)) {
    if (typeof key !== 'string') throw new FunctionError(`value has type ${goTypeName(key)}; should be string`)
    return Object.hasOwn(item, key) ? item[key] : undefined
  }
  if (item === null || item === undefined) throw new FunctionError('index of untyped nil')
  throw new FunctionError(`can't index item of type ${goTypeName(item)}`)
}
