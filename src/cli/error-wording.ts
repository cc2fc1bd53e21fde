import {BerthError, type ErrorCode, type ErrorCodes} from '../core/errors.js'
import {joinProse, prose, run, type CommandFix, type Prose} from '../core/fix.js'
import {quoteValue} from '../core/safe-text.js'

/**
 * berth's wording of what core and drivers report: the one place where a fix becomes a command line, and where an
 * error's code and data become its message and hint. Core gives each error a plain message (what logs, --debug and
 * the notes that quote a nested error show). A code of ERROR_WORDING is worded here from its data; a hint core gives
 * such an error is what the thrower adds to it, and follows. A code of DESCRIBED_BY_THROWER shows core's message and
 * hint, its commands spelled. Another wording (one that speaks Docker Machine's commands, say) is another
 * spellCommand and catalogue, not a change to core.
 */

/** How berth spells a command to run: as typed, in double quotes unless it is part of another command line. */
export function spellCommand(fix: CommandFix): string {
  const line = ['berth', fix.command, ...fix.args, ...(fix.machine === undefined ? [] : [fix.machine])].join(' ')
  return fix.quoted === false ? line : `"${line}"`
}

/** Prose with each command spelled out. */
export function spellProse(text: Prose): string {
  return typeof text === 'string' ? text : text.map((part) => (typeof part === 'string' ? part : spellCommand(part))).join('')
}

interface Worded {
  message?: Prose
  hint?: Prose
}

type Wording<C extends ErrorCode> = (data: ErrorCodes[C], error: BerthError) => Worded

/**
 * Codes whose message the thrower words, as it holds text only the thrower has: a cloud's or a tool's own reply, a
 * host's output, a detail of one driver. Their hints keep their commands as data all the same.
 */
export const DESCRIBED_BY_THROWER: readonly ErrorCode[] = [
  'timeout', 'docker-context-name', 'engine-config-refused', 'ssh-port-missing', 'tool-unrunnable',
  'driver-state-damaged', 'cloud-resource-busy', 'cloud-api', 'creation-unfinished', 'host-gone',
  'machine-not-running', 'clean-host-failed', 'remove-failed', 'orphan-not-found', 'store-certificate-missing',
  'unsupported-os', 'provision-failed', 'package-sources', 'engine-conflict', 'engine-not-packaged', 'ssh-timeout',
  'vboxmanage-failed', 'invalid-input', 'cloud-check', 'hypervisor', 'certificate-store', 'machine-certificate',
  'vm-image', 'seed-image', 'ssh-failed', 'copy-failed', 'provision-step', 'upgrade-failed', 'shell-value',
  'docker-config', 'engine-url', 'driver-broken', 'store-unusable', 'machine-busy', 'host-key-changed',
  'ssh-authentication', 'ssh-key', 'ssh-connection', 'sudo', 'engine', 'docker-context-conflict', 'host-managed',
  'cloud-credentials', 'machine-check-failed', 'no-active-machine', 'not-confirmed', 'machines-failed',
  'orphans-kept',
]

/** Codes the CLI words from their data: the message and, where the code has one, the hint. */
export const ERROR_WORDING: {[C in ErrorCode]?: Wording<C>} = {
  'machine-not-found': ({machine}) => ({
    message: `Machine "${machine}" does not exist.`,
    hint: prose`Run ${run('ls')} to list machines, ${run('create')} to add one.`,
  }),
  'machine-exists': ({machine}) => ({
    message: `Machine "${machine}" already exists.`,
    hint: prose`Choose another name, or remove it first with ${run('rm', machine)}.`,
  }),
  'invalid-machine-name': ({name, reason}) => ({
    message: `Invalid machine name ${quoteValue(name)}: ${reason}.`,
    hint: 'Use 1-63 characters from a-z A-Z 0-9 . - starting with a letter or digit.',
  }),
  // The reason and its fix come from where loading failed (a path's access, a schema's version): the thrower's hint.
  'machine-config': ({machine, reason}) => ({message: `Machine "${machine}" cannot be loaded: ${reason}`}),
  'machine-unreadable': ({machine, reason}) => ({message: `Machine "${machine}" cannot be loaded: ${reason}`}),
  'orphaned-resources': ({machine, resources}) => {
    const one = resources.length === 1
    const count = one ? `1 resource (${resources[0]!.kind} ${resources[0]!.id})` : `${resources.length} resources`
    const forget = run('rm', undefined, ['--forget-orphans', ...resources.map((resource) => resource.id)])
    return {
      message: `"${machine}" was forgotten, but its driver could not remove ${count}: ${one ? 'it' : 'they'} may still exist and cost money.`,
      hint: prose`Remove ${one ? 'it' : 'them'} with the command${one ? '' : 's'} above, then run ${forget}; ${run('ls', undefined, ['--orphans'])} lists them until then.`,
    }
  },
  // Worded as the check's own error.
  'pre-create-check': (_data, error) => (error.cause instanceof BerthError ? wording(error.cause) : {}),
  'creation-rolled-back': (_data, error) => ({
    message: error.cause instanceof BerthError ? wording(error.cause).message : error.message,
    hint: prose`Fix the cause, then run the same ${run('create')} again.`,
  }),
  'no-machine-named': ({defaultMachine}) => ({
    message: `No machine name given and no "${defaultMachine}" machine exists.`,
    hint: prose`Name a machine; ${run('ls')} lists them.`,
  }),
  'extra-arguments': ({args}) => ({
    message: `Unexpected argument${args.length === 1 ? '' : 's'}: ${args.join(', ')}`,
    hint: 'See "berth help" or add --help to the command.',
  }),
  'machine-name-not-expected': ({flag}, error) => ({
    message: `Expected no machine name with ${flag}.`,
    ...(error.fixes[0] === undefined ? {} : {hint: prose`Run ${error.fixes[0]} alone.`}),
  }),
  'unsupported-operation': ({driver, operation, machine, possible}) => ({
    message: `The ${driver} driver cannot ${operation} a machine.`,
    hint: possible.length > 0 ? `"${machine}" can only be ${possible.join(' or ')} by berth.` : `berth cannot change the power state of "${machine}".`,
  }),
  'start-unsupported': ({driver, machine}) => ({
    message: `Machine "${machine}" is not running, and the ${driver} driver cannot start a machine.`,
    hint: prose`Start the host by other means; then ${run('restart', machine)} can reboot it.`,
  }),
  'engine-not-managed': ({driver, machine}) => ({message: `Machine "${machine}" uses the ${driver} driver; berth does not manage its engine.`}),
  'tool-missing': ({tool, purpose, pkg}) => ({
    message: `${purpose} needs ${tool}, which is not installed (not found on PATH).`,
    hint: `Install it: apt-get install ${pkg} (Debian/Ubuntu).`,
  }),
  'unknown-driver': ({driver, available}) => ({
    message: `Unknown driver ${quoteValue(driver)}.`,
    hint: prose`Available drivers: ${available.join(', ')}. Run ${run('drivers')} for details.`,
  }),
  'engine-address-missing': ({machine}) => ({
    message: prose`Machine "${machine}" has no engine address yet: its creation did not finish (${run('provision', machine)} finishes it).`,
    hint: prose`Run ${run('provision', machine)} to finish it.`,
  }),
}

/** The message and hint of an error as prose: its code's wording, else what the thrower said. */
function wording(error: BerthError): {message: Prose; hint: Prose} {
  const worded = (ERROR_WORDING[error.code] as Wording<ErrorCode> | undefined)?.(error.data, error) ?? {}
  // A worded code's hint from core is what its thrower adds (remove's retry): it follows the code's own.
  const hint = worded.hint === undefined ? error.hint : joinProse([worded.hint, error.hint])
  return {message: worded.message ?? error.message, hint: hint ?? ''}
}

/** The message and hint a user sees for an error. */
export function wordError(error: BerthError): {message: string; hint: string | undefined} {
  const {message, hint} = wording(error)
  const spelled = spellProse(hint)
  return {message: spellProse(message), hint: spelled === '' ? undefined : spelled}
}

