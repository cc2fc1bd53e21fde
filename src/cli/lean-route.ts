import {moveLeadingGlobalFlags} from './spec.js'

export {moveLeadingGlobalFlags}

/**
 * The lean command argv asks for, or undefined when the full CLI must handle it (help, other commands). The lean
 * commands are those the command table marks so; scripts/bundle-lean.js passes their names in at build time, so
 * the route loads neither the table nor oclif.
 */
export function leanCommandOf(leanNames: readonly string[], typed: readonly string[]): string | undefined {
  const argv = moveLeadingGlobalFlags(typed)
  const name = argv[0]
  if (name === undefined || !leanNames.includes(name)) return undefined
  if (argv.some((arg) => arg === '--help' || arg === '-h' || arg === '--')) return undefined
  return name
}
