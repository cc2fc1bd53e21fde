import {commandsIn, run, prose, type CommandFix, type Prose} from './fix.js'
import {quoteValue} from './safe-text.js'

/**
 * Every code a BerthError can carry, with the data that comes with it. Code decides on the code and data, never on
 * message or hint text; the CLI's renderer (src/cli/error-wording.ts) words an error from them.
 */
export interface ErrorCodes {
  'machine-not-found': {machine: string}
  'machine-exists': {machine: string}
  'invalid-machine-name': {name: string; reason: string}
  'machine-config': {machine: string; reason: string}
  'machine-unreadable': {machine: string; reason: string}
  'orphaned-resources': {machine: string; resources: readonly {kind: string; id: string}[]}
  'pre-create-check': {code?: ErrorCode}
  'unknown-driver': {driver: string; available: readonly string[]}
  'unsupported-operation': {driver: string; operation: string}
  'timeout': object
  'docker-context-name': {machine: string}
  'engine-config-refused': object
  'ssh-port-missing': {machine: string}
  'tool-missing': {tool: string}
  'driver-state-damaged': {driver: string}
  'cloud-resource-busy': {resource: string}
  /** A cloud's API refused or failed a call; `code` is the cloud's own error code. */
  'cloud-api': {service: string; code?: string}
  'creation-unfinished': {machine: string}
  'engine-address-missing': {machine: string}
  'host-gone': {machine: string}
  'machine-not-running': {machine: string; state: string}
  'clean-host-failed': {machine: string}
  'remove-failed': {machine: string}
  'orphan-not-found': {ids: readonly string[]}
  'store-certificate-missing': {path: string}
  'unsupported-os': {os: string}
  'provision-failed': {machine: string; step: string}
  'package-sources': {machine: string}
  'engine-conflict': object
  'engine-not-packaged': {machine: string}
  'ssh-timeout': object
  'vboxmanage-failed': {command: string; status: number}
  /** Bad input on the command line (a flag's value, a missing argument, flags that do not go together). */
  'invalid-input': object
  /** A cloud refuses what create would ask of it (region, size, image, quota, credentials), found before anything is made. */
  'cloud-check': object
  /** A local hypervisor (QEMU, VirtualBox) failed or lacks what the machine needs. */
  'hypervisor': object
  /** The store's CA or client certificate cannot be used. */
  'certificate-store': object
  /** A machine's certificates cannot be used (expired, not matching, not covering its address). */
  'machine-certificate': object
  'vm-image': object
  'seed-image': object
  'ssh-failed': object
  'copy-failed': object
  /** A step of provisioning on the host failed or met something berth cannot handle. */
  'provision-step': object
  'upgrade-failed': object
  'shell-value': object
  'docker-config': object
  'engine-url': object
  /** A driver's module is broken or breaks a rule of the driver contract. */
  'driver-broken': object
  'store-unusable': object
  'machine-busy': object
  'host-key-changed': object
  'ssh-authentication': object
  'ssh-key': object
  'ssh-connection': object
  'sudo': object
  'engine': object
  'docker-context-conflict': object
  'host-managed': object
  'cloud-credentials': object
  'machine-check-failed': object
  'no-active-machine': object
  'not-confirmed': object
  'machines-failed': object
  'orphans-kept': object
}

export type ErrorCode = keyof ErrorCodes

interface CommonOptions {
  /** What to do about it; the commands in it are data (see fix.ts). */
  hint?: Prose | undefined
  exitCode?: number
  cause?: unknown
}

/** A code with the data of that code. */
export type BerthErrorOptions = {[C in ErrorCode]: CommonOptions & {code: C; data?: ErrorCodes[C]}}[ErrorCode]

/** The same for an error class that has a code of its own, which the options may replace. */
export type DefaultCodeOptions = {[C in ErrorCode]: CommonOptions & {code?: C; data?: ErrorCodes[C]}}[ErrorCode]

/**
 * Every failure a user can see is a BerthError: a code and its data, a one-line message that names the problem (the
 * plain description logs and nested notes use), an optional hint that names the fix with its commands as data, and the
 * process exit code (Docker Machine's: 1, or 3 for a failed pre-create check).
 */
export class BerthError extends Error {
  override readonly name: string = 'BerthError'
  readonly code: ErrorCode
  readonly data: ErrorCodes[ErrorCode]
  readonly exitCode: number
  readonly hint: Prose | undefined

  constructor(message: string, options: BerthErrorOptions) {
    super(message, options.cause === undefined ? undefined : {cause: options.cause})
    this.code = options.code
    this.data = options.data ?? {}
    this.exitCode = options.exitCode ?? 1
    this.hint = options.hint
  }

  /** Its code and data, for an error that rewords this one and stays of its kind. */
  get kind(): BerthErrorOptions {
    return {code: this.code, data: this.data} as BerthErrorOptions
  }

  /** The berth commands the hint sends the user to. */
  get fixes(): readonly CommandFix[] {
    return commandsIn(this.hint)
  }
}

/** Bad input on the command line: its code is invalid-input unless a more precise one is given. */
export class UsageError extends BerthError {
  override readonly name: string = 'UsageError'
  constructor(message: string, options: DefaultCodeOptions = {}) {
    super(message, {...options, code: options.code ?? 'invalid-input'} as BerthErrorOptions)
  }
}

export class InvalidMachineNameError extends BerthError {
  override readonly name = 'InvalidMachineNameError'
  constructor(name: string, reason: string) {
    super(`Invalid machine name ${quoteValue(name)}: ${reason}.`, {
      code: 'invalid-machine-name',
      data: {name, reason},
      hint: 'Use 1-63 characters from a-z A-Z 0-9 . - starting with a letter or digit.',
    })
  }
}

export class MachineNotFoundError extends BerthError {
  override readonly name = 'MachineNotFoundError'
  constructor(readonly machine: string) {
    super(`Machine "${machine}" does not exist.`, {code: 'machine-not-found', data: {machine}, hint: prose`Run ${run('ls')} to list machines, ${run('create')} to add one.`})
  }
}

export class MachineExistsError extends BerthError {
  override readonly name = 'MachineExistsError'
  constructor(readonly machine: string) {
    super(`Machine "${machine}" already exists.`, {code: 'machine-exists', data: {machine}, hint: prose`Choose another name, or remove it first with ${run('rm', machine)}.`})
  }
}

/** The machine's stored configuration cannot be used (corrupt, unreadable, or written by a newer berth). */
export class MachineConfigError extends BerthError {
  override readonly name: string = 'MachineConfigError'
  constructor(readonly machine: string, reason: string, hint?: Prose, code: 'machine-config' | 'machine-unreadable' = 'machine-config') {
    super(`Machine "${machine}" cannot be loaded: ${reason}`, {code, data: {machine, reason}, ...(hint === undefined ? {} : {hint})})
  }
}

/** A machine berth may not read (permissions, ownership): it is intact, and the fix is access, not removal. */
export class MachineUnreadableError extends MachineConfigError {
  override readonly name = 'MachineUnreadableError'
  constructor(machine: string, reason: string, hint?: Prose) {
    super(machine, reason, hint, 'machine-unreadable')
  }
}

/**
 * rm -f forgot a machine whose driver could not remove some of its resources: they may still exist (and cost
 * money). The lines before it name each one; the store keeps them until they are removed.
 */
export class OrphanedResourcesError extends BerthError {
  override readonly name = 'OrphanedResourcesError'
  constructor(readonly machine: string, readonly resources: readonly {kind: string; id: string}[]) {
    const count = resources.length === 1 ? `1 resource (${resources[0]!.kind} ${resources[0]!.id})` : `${resources.length} resources`
    const forget = run('rm', undefined, ['--forget-orphans', ...resources.map((resource) => resource.id)])
    super(`"${machine}" was forgotten, but its driver could not remove ${count}: ${resources.length === 1 ? 'it' : 'they'} may still exist and cost money.`, {
      code: 'orphaned-resources',
      data: {machine, resources},
      hint: prose`Remove ${resources.length === 1 ? 'it' : 'them'} with the command${resources.length === 1 ? '' : 's'} above, then run ${forget}; ${run('ls', undefined, ['--orphans'])} lists them until then.`,
    })
  }
}

/** A driver's pre-create check failed (exit code 3, as Docker Machine's); `data.code` is the code of the check's own error. */
export class PreCreateCheckError extends BerthError {
  override readonly name = 'PreCreateCheckError'
  constructor(message: string, hint?: Prose, checkCode?: ErrorCode) {
    super(message, {code: 'pre-create-check', data: checkCode === undefined ? {} : {code: checkCode}, exitCode: 3, ...(hint === undefined ? {} : {hint})})
  }
}

export class UnknownDriverError extends BerthError {
  override readonly name = 'UnknownDriverError'
  constructor(driver: string, available: readonly string[]) {
    super(`Unknown driver ${quoteValue(driver)}.`, {code: 'unknown-driver', data: {driver, available}, hint: prose`Available drivers: ${available.join(', ')}. Run ${run('drivers')} for details.`})
  }
}

export class UnsupportedOperationError extends BerthError {
  override readonly name = 'UnsupportedOperationError'
  constructor(driver: string, operation: string) {
    super(`The ${driver} driver does not support "${operation}".`, {code: 'unsupported-operation', data: {driver, operation}})
  }
}

export class TimeoutError extends BerthError {
  override readonly name = 'TimeoutError'
  constructor(message: string, options: DefaultCodeOptions = {}) {
    super(message, {...options, code: options.code ?? 'timeout'} as BerthErrorOptions)
  }
}

/** The message of any thrown value, for places that report a failure without rethrowing it. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
