import {createRequire} from 'node:module'

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
