import {createRequire} from 'node:module'
import type {DriverHealth} from './contract.js'

/**
 * The npm packages among `names` that Node cannot resolve from the module at `from` (a driver passes its own
 * import.meta.url): what a driver's probe reports as not installed, without loading the packages.
 */
export function missingPackages(from: string, names: readonly string[]): string[] {
  const require = createRequire(from)
  return names.filter((name) => {
    try {
      require.resolve(name)
      return false
    } catch {
      return true
    }
  })
}

/**
 * A driver's health when all it needs are npm packages: healthy when every one resolves from `from`, else not
 * installed, with the driver's own wording of the problem (given the missing names) and of the fix.
 */
export function packagesHealth(from: string, names: readonly string[], problem: (missing: string) => string, fix: string): DriverHealth {
  const missing = missingPackages(from, names)
  return missing.length === 0 ? {installed: true, healthy: true} : {installed: false, healthy: false, problem: problem(missing.join(', ')), fix}
}
