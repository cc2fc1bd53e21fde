import type {BerthError, ErrorCode, ErrorCodes} from '../core/errors.js'

/**
 * Docker Machine 0.16.2's own lines for the errors scripts match, word for word (its commands/*.go and libmachine;
 * observed outputs in docs/compatibility.md). Printed as they are, without berth's "Error: " and hint: where Docker
 * Machine's line starts with "Error:", so does its text here. Every other error keeps berth's wording, its commands
 * spelled `docker-machine …`.
 */
const DOCKER_MACHINE_LINES: {[C in ErrorCode]?: (data: ErrorCodes[C]) => string | undefined} = {
  'machine-not-found': ({machine}) => `Docker machine "${machine}" does not exist. Use "docker-machine ls" to list machines. Use "docker-machine create" to add a new one.`,
  'machine-exists': ({machine}) => `Docker machine "${machine}" already exists`,
  'invalid-machine-name': () => 'Error creating machine: Invalid hostname specified. Allowed hostname chars are: 0-9a-zA-Z . -',
  'no-machine-named': ({defaultMachine}) => `Error: No machine name(s) specified and no "${defaultMachine}" machine exists`,
  'extra-arguments': ({args}) => `Error: Invalid command line. Found extra arguments [${args.join(' ')}]`,
  'unknown-driver': ({driver}) => `Driver "${driver}" not found. Do you have the plugin binary "docker-machine-driver-${driver}" accessible in your PATH?`,
  'machine-name-not-expected': () => 'Error: Expected no machine name when the -u flag is present',
  'no-active-machine': () => 'No active host found',
  'missing-argument': ({command}) => MISSING_ARGUMENT[command],
  // rm has already printed a line per machine it could not remove, and Docker Machine printed no count after them.
  'machines-failed': ({removing}) => (removing === true ? '' : undefined),
}

/** What Docker Machine said when a command that needs machine names was given none. */
const MISSING_ARGUMENT: Readonly<Record<string, string>> = {
  create: 'Error: No machine name specified',
  rm: 'Error: Expected to get one or more machine names as arguments',
}

/** Docker Machine's line for an error, if it had one for this code and data. */
export function dockerMachineLine(error: BerthError): string | undefined {
  const line = DOCKER_MACHINE_LINES[error.code] as ((data: ErrorCodes[ErrorCode]) => string | undefined) | undefined
  return line?.(error.data)
}

/** How Docker Machine introduced one machine's failure in rm, which goes on to the next machine. */
export function dockerMachineRemoveFailure(machine: string, line: string): string {
  return `Error removing host "${machine}": ${line}`
}
