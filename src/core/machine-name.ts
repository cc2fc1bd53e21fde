import {InvalidMachineNameError} from './errors.js'
import {quoteValue} from './safe-text.js'

const MAX_LENGTH = 63
const PATTERN = /^[a-zA-Z0-9][a-zA-Z0-9.-]*$/

/** Docker Machine's rule for names, bounded to a DNS label's length so the name can be the host's hostname. */
export function validateMachineName(name: string): string {
  if (name.length === 0) throw new InvalidMachineNameError(name, 'it is empty')
  if (name.length > MAX_LENGTH) throw new InvalidMachineNameError(name, `it is ${name.length} characters long, the limit is ${MAX_LENGTH}`)
  const first = /^[^a-zA-Z0-9]/u.exec(name)
  if (first) throw new InvalidMachineNameError(name, `it must start with a letter or digit, not ${quoteValue(first[0])}`)
  const other = /[^a-zA-Z0-9.-]/u.exec(name)
  if (other) throw new InvalidMachineNameError(name, `it contains ${quoteValue(other[0])}; only a-z A-Z 0-9 . - are allowed`)
  if (!PATTERN.test(name)) throw new InvalidMachineNameError(name, 'it may only contain a-z A-Z 0-9 . - and must start with a letter or digit')
  return name
}
