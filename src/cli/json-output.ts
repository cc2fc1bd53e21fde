import {UsageError} from '../core/errors.js'
import type {App} from './app.js'
import type {FlagSpec, ParsedFlags} from './spec.js'

/** The --json flag of every command that has one: one result on stdout, of a shape docs/json.md gives. */
export const jsonFlag: Record<'json', FlagSpec> = {json: {type: 'boolean', description: 'Print the result as JSON (shapes: docs/json.md).'}}

/** Whether --json was given; it refuses the other output flags given with it (`{format: '--format'}`: name → as typed). */
export function wantsJson(flags: ParsedFlags, others: Readonly<Record<string, string>> = {}): boolean {
  if (flags.json !== true) return false
  const given = Object.keys(others).filter((name) => flags[name] !== undefined && flags[name] !== false)
  if (given.length > 0) throw new UsageError(`--json and ${given.map((name) => others[name]).join(', ')} cannot be used together.`, {code: 'conflicting-flags', data: {flags: ['--json', ...given.map((name) => others[name]!)]}})
  return true
}

/** A JSON document as printed: two-space indents, a final newline. */
export function jsonText(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`
}

/** One fact of a machine (`status`, `url`, `version NAME`): the value alone on a line, or with --json `{name, key: value}`. */
export function printMachineFact(app: App, flags: ParsedFlags, name: string, key: string, value: string): void {
  if (flags.json === true) printJson(app, {name, [key]: value})
  else app.terminal.out(`${value}\n`)
}

/** One JSON document on stdout. */
export function printJson(app: App, value: unknown): void {
  app.terminal.out(jsonText(value))
}
