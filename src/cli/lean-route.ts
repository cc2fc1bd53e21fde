import {moveLeadingGlobalFlags} from './spec.js'

export {moveLeadingGlobalFlags}

/**
 * The read-only commands scripts and shell prompts call most. Each runs from a bundle of its own in dist/lean
 * (scripts/bundle-lean.js), so `berth env` loads what env needs and nothing else, and no oclif.
 */
export const leanCommandNames: readonly string[] = ['active', 'config', 'env', 'inspect', 'ip', 'ls', 'status', 'url', 'version']

/** The lean command argv asks for, or undefined when the full CLI must handle it (help, other commands). */
export function leanCommandOf(typed: readonly string[]): string | undefined {
  const argv = moveLeadingGlobalFlags(typed)
  const name = argv[0]
  if (name === undefined || !leanCommandNames.includes(name)) return undefined
  if (argv.some((arg) => arg === '--help' || arg === '-h' || arg === '--')) return undefined
  return name
}
