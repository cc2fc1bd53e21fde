import {moveLeadingGlobalFlags} from './spec.js'
import {sshArgvForOclif} from './ssh-line.js'

/** What asks for help, as with Docker Machine: `-h` as well as `--help` (package.json's oclif.additionalHelpFlags). */
const isHelpFlag = (arg: string): boolean => arg === '--help' || arg === '-h'

/**
 * The command line as oclif is to read it: global flags moved after the command; `help COMMAND FLAGS…` as
 * `COMMAND FLAGS… --help`, so that `help create -d generic` lists that driver's flags as `create -d generic --help`
 * does (oclif's help command refuses the flags); and ssh's remote `--help` kept from oclif's help.
 */
export function oclifArgv(typed: readonly string[]): string[] {
  const argv = moveLeadingGlobalFlags(typed)
  if (argv[0] === 'help' && argv.length > 2 && argv.slice(2).some((arg) => arg.startsWith('-'))) return [...argv.slice(1), '--help']
  return sshArgvForOclif(argv, isHelpFlag)
}

/**
 * The lean command argv asks for, or undefined when the full CLI must handle it (help, other commands). The lean
 * commands are those the command table marks so; scripts/bundle-lean.js passes their names in at build time, so
 * the route loads neither the table nor oclif.
 */
export function leanCommandOf(leanNames: readonly string[], typed: readonly string[]): string | undefined {
  const argv = moveLeadingGlobalFlags(typed)
  const name = argv[0]
  if (name === undefined || !leanNames.includes(name)) return undefined
  if (argv.some((arg) => isHelpFlag(arg) || arg === '--')) return undefined
  return name
}
