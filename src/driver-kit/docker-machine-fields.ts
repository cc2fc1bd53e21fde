import type {FlagValues} from './contract.js'

/**
 * For fromDockerMachine: reads the fields of a Docker Machine driver struct (the "Driver" object of its config.json)
 * and collects the create flags they stand for, `<prefix>-<flag>`, so the machine goes through the checks create does.
 */
export class DockerMachineFields {
  /** The flags set so far. */
  readonly flags: FlagValues = {}

  constructor(private readonly driver: Readonly<Record<string, unknown>>, private readonly flagPrefix: string) {}

  /** A field that holds a non-empty string. */
  text(field: string): string | undefined {
    const value = this.driver[field]
    return typeof value === 'string' && value !== '' ? value : undefined
  }

  /** The non-empty strings of a field that holds a list (none when it holds anything else). */
  list(field: string): string[] {
    const value = this.driver[field]
    return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string' && item !== '') : []
  }

  /** Sets a flag, unless the value is what Docker Machine wrote for "not given": nothing, false, 0 or an empty list. */
  set(flag: string, value: FlagValues[string]): void {
    if (value === undefined || value === false || value === 0 || (Array.isArray(value) && value.length === 0)) return
    this.flags[`${this.flagPrefix}-${flag}`] = value
  }
}
