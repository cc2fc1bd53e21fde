import type {DriverDefinition, FlagValues} from '../driver-kit/contract.js'
import type {DriverRegistry} from '../core/driver-registry/registry.js'
import {UsageError} from '../core/errors.js'
import {run} from '../core/fix.js'
import type {FlagSpec, ParsedFlags} from './spec.js'

/** A driver's flags in the form commands declare theirs. Defaults stay with the driver (applied in fromFlags). */
export function driverFlagSpecs(definition: Pick<DriverDefinition, 'name' | 'flags'>): Record<string, FlagSpec> {
  const specs: Record<string, FlagSpec> = {}
  for (const flag of definition.flags) {
    const common = {description: flag.description, helpGroup: driverHelpGroup(definition.name), ...(flag.env ? {env: flag.env} : {})}
    specs[flag.name] = flag.type === 'boolean' ? {...common, type: 'boolean'}
      : flag.type === 'integer' ? {...common, type: 'integer'}
        : flag.type === 'string-array' ? {...common, type: 'strings'}
          : {...common, type: 'string'}
  }
  return specs
}

/** The help section a driver's flags are listed under ("GENERIC DRIVER FLAGS"). */
export function driverHelpGroup(driver: string): string {
  return `${driver.toUpperCase()} DRIVER`
}

export function isDriverHelpGroup(group: string | undefined): boolean {
  return group?.endsWith(' DRIVER') === true
}

/** The values of one driver's flags out of everything create parsed. */
export function driverFlagValues(definition: DriverDefinition, flags: ParsedFlags): FlagValues {
  const values: FlagValues = {}
  for (const flag of definition.flags) {
    const value = flags[flag.name]
    if (value === undefined || (Array.isArray(value) && value.length === 0) || (flag.type === 'boolean' && value === false)) continue
    values[flag.name] = value
  }
  return values
}

/** Reject a flag typed on the command line that belongs to another driver than the one chosen. */
export function rejectForeignDriverFlags(chosen: DriverDefinition | undefined, others: readonly DriverDefinition[], argv: readonly string[]): void {
  const own = new Set(chosen?.flags.map((flag) => flag.name) ?? [])
  for (const other of others) {
    if (other.name === chosen?.name) continue
    for (const flag of other.flags) {
      if (own.has(flag.name) || !typed(argv, flag.name)) continue
      const data = {flag: `--${flag.name}`, driver: other.name, ...(chosen === undefined ? {} : {chosen: chosen.name})}
      throw chosen === undefined
        ? new UsageError(`--${flag.name} belongs to the ${other.name} driver, and no driver was chosen.`, {code: 'foreign-driver-flag', data})
        : new UsageError(`--${flag.name} belongs to the ${other.name} driver, not to ${chosen.name}.`, {code: 'foreign-driver-flag', data, fixes: [run('create', undefined, ['-d', chosen.name, '--help'])]})
    }
  }
}

/**
 * After create's parser refused a flag: if a plugin driver other than the chosen one declares it, say so.
 * This is the only place create imports drivers it will not use, and only on this error path.
 */
export async function rejectPluginDriverFlags(registry: DriverRegistry, chosen: DriverDefinition | undefined, argv: readonly string[]): Promise<void> {
  const names = registry.names().filter((name) => name !== chosen?.name && registry.origin(name)?.kind === 'plugin')
  // A broken plugin is not the user's mistake here: it is left out, and the parser's own error stands.
  const others = (await Promise.all(names.map((name) => registry.get(name).catch(() => undefined))))
    .filter((definition): definition is DriverDefinition => definition !== undefined)
  rejectForeignDriverFlags(chosen, others, argv)
}

function typed(argv: readonly string[], flag: string): boolean {
  const end = argv.indexOf('--')
  return (end === -1 ? argv : argv.slice(0, end)).some((arg) => arg === `--${flag}` || arg.startsWith(`--${flag}=`))
}

/** The driver named on a create command line (-d X, --driver X, --driver=X), before full parsing. */
export function driverFromArgv(argv: readonly string[], env: NodeJS.ProcessEnv): string | undefined {
  for (let index = 0; index < argv.length; index++) {
    const arg = argv[index]!
    if (arg === '--') break
    if (arg === '-d' || arg === '--driver') return argv[index + 1]
    if (arg.startsWith('--driver=')) return arg.slice('--driver='.length)
    if (arg.startsWith('-d') && arg.length > 2 && !arg.startsWith('--')) return arg.slice(2)
  }
  return env.BERTH_DRIVER || undefined
}
