import {Ec2Fault} from './fault.js'

/**
 * The parameters of one Query API request. The SDK flattens structures into dotted names with 1-based list
 * indexes (`Filter.1.Value.2=x`, `TagSpecification.1.Tag.1.Key=Name`); this reads them back by path.
 */
export class QueryParams {
  constructor(private readonly values: ReadonlyMap<string, string>, private readonly prefix = '') {}

  static parse(body: string): QueryParams {
    return new QueryParams(new Map(new URLSearchParams(body)))
  }

  /** A scalar, or undefined when absent. */
  string(name: string): string | undefined {
    return this.values.get(this.prefix + name)
  }

  /** A scalar the action needs: absent is the real MissingParameter error. */
  required(name: string): string {
    const value = this.string(name)
    if (value === undefined || value === '') throw new Ec2Fault('MissingParameter', `The request must contain the parameter ${name}`)
    return value
  }

  bool(name: string): boolean | undefined {
    const value = this.string(name)
    return value === undefined ? undefined : value === 'true'
  }

  int(name: string): number | undefined {
    const value = this.string(name)
    if (value === undefined) return undefined
    const number = Number(value)
    if (!Number.isInteger(number)) throw new Ec2Fault('InvalidParameterValue', `Invalid value '${value}' for ${name}.`)
    return number
  }

  /** `Name.1`, `Name.2`, ... as strings. */
  list(name: string): string[] {
    const found: string[] = []
    for (let index = 1; ; index++) {
      const value = this.string(`${name}.${index}`)
      if (value === undefined) return found
      found.push(value)
    }
  }

  /** `Name.1.*`, `Name.2.*`, ... as nested parameter views. */
  objects(name: string): QueryParams[] {
    const found: QueryParams[] = []
    for (let index = 1; this.has(`${name}.${index}.`); index++) found.push(this.nested(`${name}.${index}.`))
    return found
  }

  /** `Name.*` as a nested view (a structure member), or undefined when nothing is under it. */
  struct(name: string): QueryParams | undefined {
    return this.has(`${name}.`) ? this.nested(`${name}.`) : undefined
  }

  /** The request's filters: name to accepted values, within EC2's limits on their number and length. */
  filters(): Map<string, string[]> {
    const filters = new Map(this.objects('Filter').map((filter) => [filter.required('Name'), filter.list('Value')]))
    const values = [...filters.values()].flat()
    if (values.length > 200) throw new Ec2Fault('FilterLimitExceeded', 'The maximum number of filter values specified on a single call is 200')
    if (values.some((value) => value.length > 255)) throw new Ec2Fault('FilterLimitExceeded', 'The maximum length for a filter value is 255 characters')
    return filters
  }

  /** Every parameter name with its value, for the call log. */
  entries(): Record<string, string> {
    return Object.fromEntries([...this.values].filter(([key]) => key.startsWith(this.prefix)))
  }

  private has(prefix: string): boolean {
    const full = this.prefix + prefix
    for (const key of this.values.keys()) if (key.startsWith(full)) return true
    return false
  }

  private nested(prefix: string): QueryParams {
    return new QueryParams(this.values, this.prefix + prefix)
  }
}
