import type {DriverFlag, FlagValues} from '../../driver-kit/contract.js'

/** The values a driver's fromFlags gets: what was given (typed, or from the flag's variable), else the flag's declared default. */
export function withFlagDefaults(flags: readonly DriverFlag[], given: FlagValues): FlagValues {
  const values: FlagValues = {...given}
  for (const flag of flags) {
    if (values[flag.name] !== undefined || flag.default === undefined) continue
    values[flag.name] = Array.isArray(flag.default) ? [...flag.default as readonly string[]] : flag.default as string | number | boolean
  }
  return values
}
