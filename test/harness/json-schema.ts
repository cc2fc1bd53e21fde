import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {repoRoot} from './berth.js'

/** Where the schemas of berth's --json outputs live (docs/json.md documents them). */
export const schemaDir = join(repoRoot, 'docs', 'json')

type Schema = Record<string, unknown>

/** The subset of JSON Schema (2020-12) the schemas use; any other keyword is refused, so none is silently ignored. */
const KEYWORDS = new Set(['$schema', 'title', 'description', '$defs', '$ref', 'type', 'enum', 'pattern', 'minimum', 'properties', 'required', 'additionalProperties', 'items', 'oneOf'])

/**
 * The problems of `value` against the schema file `file` (in docs/json), each as "path: what": empty when it
 * conforms. A small strict checker: no validator package is among berth's dependencies.
 */
export function schemaProblems(file: string, value: unknown): string[] {
  return check(loadSchema(file), value, '$', file)
}

function loadSchema(file: string): Schema {
  const schema = JSON.parse(readFileSync(join(schemaDir, file), 'utf8')) as Schema
  refuseUnknownKeywords(schema, file, '#')
  return schema
}

/** Every (sub)schema of the file uses only KEYWORDS. */
function refuseUnknownKeywords(schema: Schema, file: string, at: string): void {
  const unknown = Object.keys(schema).filter((key) => !KEYWORDS.has(key))
  if (unknown.length > 0) throw new Error(`${file}: unsupported schema keyword ${unknown.join(', ')} at ${at}`)
  const named = {...(schema.properties ?? {}) as Record<string, Schema>, ...(schema.$defs ?? {}) as Record<string, Schema>}
  for (const [key, inner] of Object.entries(named)) refuseUnknownKeywords(inner, file, `${at}/${key}`)
  for (const inner of [schema.items, schema.additionalProperties, ...(schema.oneOf ?? []) as Schema[]]) {
    if (isObject(inner)) refuseUnknownKeywords(inner, file, at)
  }
}

function check(schema: Schema, value: unknown, path: string, file: string): string[] {
  const problems: string[] = []
  if (typeof schema.$ref === 'string') {
    const [refFile, pointer] = schema.$ref.split('#')
    const target = refFile === '' ? file : refFile!
    problems.push(...check(resolvePointer(loadSchema(target), pointer ?? '', target), value, path, target))
  }
  if (schema.type !== undefined) {
    const types = Array.isArray(schema.type) ? schema.type as string[] : [schema.type as string]
    if (!types.some((type) => hasType(value, type))) return [...problems, `${path}: expected ${types.join(' or ')}, got ${JSON.stringify(value)}`]
  }
  if (Array.isArray(schema.enum) && !schema.enum.some((allowed) => allowed === value)) problems.push(`${path}: ${JSON.stringify(value)} is not one of ${JSON.stringify(schema.enum)}`)
  if (typeof schema.pattern === 'string' && typeof value === 'string' && !new RegExp(schema.pattern, 'u').test(value)) problems.push(`${path}: ${JSON.stringify(value)} does not match ${schema.pattern}`)
  if (typeof schema.minimum === 'number' && typeof value === 'number' && value < schema.minimum) problems.push(`${path}: ${value} is below ${schema.minimum}`)
  if (Array.isArray(schema.oneOf)) {
    const matching = (schema.oneOf as Schema[]).filter((option) => check(option, value, path, file).length === 0).length
    if (matching !== 1) problems.push(`${path}: matches ${matching} of the oneOf options, not exactly 1`)
  }
  if (Array.isArray(value) && schema.items !== undefined) {
    value.forEach((item, index) => problems.push(...check(schema.items as Schema, item, `${path}[${index}]`, file)))
  }
  if (isObject(value)) problems.push(...checkObject(schema, value, path, file))
  return problems
}

function checkObject(schema: Schema, value: Record<string, unknown>, path: string, file: string): string[] {
  const problems: string[] = []
  const properties = (schema.properties ?? {}) as Record<string, Schema>
  for (const key of (schema.required ?? []) as string[]) {
    if (!(key in value)) problems.push(`${path}: "${key}" is missing`)
  }
  for (const [key, inner] of Object.entries(value)) {
    const property = properties[key]
    if (property !== undefined) problems.push(...check(property, inner, `${path}.${key}`, file))
    else if (schema.additionalProperties === false) problems.push(`${path}: "${key}" is not allowed`)
    else if (isObject(schema.additionalProperties)) problems.push(...check(schema.additionalProperties, inner, `${path}.${key}`, file))
  }
  return problems
}

function resolvePointer(schema: Schema, pointer: string, file: string): Schema {
  let at: unknown = schema
  for (const part of pointer.split('/').filter(Boolean)) {
    at = isObject(at) ? at[part] : undefined
    if (at === undefined) throw new Error(`${file}: no ${pointer}`)
  }
  return at as Schema
}

function hasType(value: unknown, type: string): boolean {
  switch (type) {
    case 'null': return value === null
    case 'array': return Array.isArray(value)
    case 'object': return isObject(value)
    case 'integer': return Number.isInteger(value)
    case 'number': return typeof value === 'number'
    default: return typeof value === type
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
