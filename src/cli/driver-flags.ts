import type {DriverDefinition, DriverFlag, FlagValues} from '../core/drivers/driver.js'
import {UsageError} from '../core/errors.js'
import type {FlagSpec, ParsedFlags} from './spec.js'

/** A driver's flags in the form commands declare theirs. Defaults stay with the driver (applied in fromFlags). */
export function driverFlagSpecs(flags: readonly DriverFlag[]): Record<string, FlagSpec> {
  const specs: Record<string, FlagSpec> = {}
  for (const flag of flags) {
    const common = {description: flag.description, helpGroup: 'DRIVER', ...(flag.env ? {env: flag.env} : {})}
    specs[flag.name] = flag.type === 'boolean' ? {...common, type: 'boolean'}
      : flag.type === 'integer' ? {...common, type: 'integer'}
        : flag.type === 'string-array' ? {...common, type: 'strings'}
          : {...common, type: 'string'}
  }
  return specs
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
export function rejectForeignDriverFlags(chosen: DriverDefinition, others: readonly DriverDefinition[], argv: readonly string[]): void {
  const own = new Set(chosen.flags.map((flag) => flag.name))
  for (const other of others) {
    for (const flag of other.flags) {
      if (own.has(flag.name)) continue
      if (argv.some((arg) => arg === `--${flag.name}` || arg.startsWith(`--${flag.name}=`))) {
        throw new UsageError(`--${flag.name} belongs to the ${other.name} driver, not to ${chosen.name}.`, {hint: `See "berth create -d ${chosen.name} --help" for its flags.`})
      }
    }
  }
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
