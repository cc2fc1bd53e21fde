import {parseArgs} from 'node:util'
import {CommandSpec, FlagSpec, ParsedFlags, ParsedInput, globalFlags} from './spec.js'

/**
 * Parse argv for the lean path. Returns undefined for anything it is not sure about (unknown flags,
 * --help, wrong argument counts, bad values) so that oclif handles it and produces its usual messages.
 */
export function leanParse(spec: CommandSpec, argv: readonly string[], env: NodeJS.ProcessEnv): ParsedInput | undefined {
  const all: Record<string, FlagSpec> = {...spec.flags, ...globalFlags}
  const options: Record<string, {type: 'string' | 'boolean'; short?: string; multiple?: boolean}> = {}
  for (const [name, flag] of Object.entries(all)) {
    options[name] = {type: flag.type === 'boolean' ? 'boolean' : 'string', ...(flag.char ? {short: flag.char} : {}), ...(flag.type === 'strings' ? {multiple: true} : {})}
  }
  let parsed: ReturnType<typeof parseArgs>
  try {
    parsed = parseArgs({args: [...argv], options, allowPositionals: true, strict: true})
  } catch {
    return undefined
  }
  const flags: ParsedFlags = {}
  for (const [name, flag] of Object.entries(all)) {
    const value = withEnvAndDefault(flag, parsed.values[name], env)
    if (value === null) return undefined
    flags[name] = value
  }
  const args = parsed.positionals
  const required = spec.args.filter((arg) => arg.required).length
  if (args.length < required) return undefined
  if (!spec.variadic && args.length > spec.args.length) return undefined
  return {flags, args}
}

/** The flag's value after env fallback and default; null when the value is invalid (oclif will say why). */
function withEnvAndDefault(flag: FlagSpec, given: unknown, env: NodeJS.ProcessEnv): ParsedFlags[string] | null {
  const fromEnv = flag.env === undefined ? undefined : env[flag.env]
  switch (flag.type) {
    case 'boolean':
      if (given !== undefined) return given as boolean
      if (fromEnv === undefined || fromEnv === '') return false
      return ['1', 'true', 'yes'].includes(fromEnv.toLowerCase())
    case 'strings':
      return (given as string[] | undefined) ?? []
    case 'string': {
      const value = (given as string | undefined) ?? fromEnv ?? flag.default
      if (value !== undefined && flag.options && !flag.options.includes(value)) return null
      return value
    }
    case 'integer': {
      const text = (given as string | undefined) ?? fromEnv
      if (text === undefined) return flag.default
      if (!/^-?\d+$/.test(text)) return null
      const value = Number(text)
      return flag.min !== undefined && value < flag.min ? null : value
    }
  }
}
