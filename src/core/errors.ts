import {quoteValue} from './safe-text.js'

/**
 * Every failure a user can see is a BerthError: a one-line message that names the problem, an optional
 * hint that names the fix, and the process exit code (Docker Machine's: 1, or 3 for a failed pre-create check).
 */
export class BerthError extends Error {
  override readonly name: string = 'BerthError'
  readonly exitCode: number
  readonly hint: string | undefined

  constructor(message: string, options: {hint?: string; exitCode?: number; cause?: unknown} = {}) {
    super(message, options.cause === undefined ? undefined : {cause: options.cause})
    this.exitCode = options.exitCode ?? 1
    this.hint = options.hint
  }
}

export class UsageError extends BerthError {
  override readonly name = 'UsageError'
}

export class InvalidMachineNameError extends BerthError {
  override readonly name = 'InvalidMachineNameError'
  constructor(name: string, reason: string) {
    super(`Invalid machine name ${quoteValue(name)}: ${reason}.`, {
      hint: 'Use 1-63 characters from a-z A-Z 0-9 . - starting with a letter or digit.',
    })
  }
}

export class MachineNotFoundError extends BerthError {
  override readonly name = 'MachineNotFoundError'
  constructor(readonly machine: string) {
    super(`Machine "${machine}" does not exist.`, {hint: 'Run "berth ls" to list machines, "berth create" to add one.'})
  }
}

export class MachineExistsError extends BerthError {
  override readonly name = 'MachineExistsError'
  constructor(readonly machine: string) {
    super(`Machine "${machine}" already exists.`, {hint: `Choose another name, or remove it first with "berth rm ${machine}".`})
  }
}

/** The machine's stored configuration cannot be used (corrupt, unreadable, or written by a newer berth). */
export class MachineConfigError extends BerthError {
  override readonly name: string = 'MachineConfigError'
  constructor(readonly machine: string, reason: string, hint?: string) {
    super(`Machine "${machine}" cannot be loaded: ${reason}`, hint === undefined ? {} : {hint})
  }
}

/** A machine berth may not read (permissions, ownership): it is intact, and the fix is access, not removal. */
export class MachineUnreadableError extends MachineConfigError {
  override readonly name = 'MachineUnreadableError'
}

/**
 * rm -f forgot a machine whose driver could not remove some of its resources: they may still exist (and cost
 * money). The lines before it name each one; the store keeps them until they are removed.
 */
export class OrphanedResourcesError extends BerthError {
  override readonly name = 'OrphanedResourcesError'
  constructor(readonly machine: string, readonly resources: readonly {kind: string; id: string}[]) {
    const count = resources.length === 1 ? `1 resource (${resources[0]!.kind} ${resources[0]!.id})` : `${resources.length} resources`
    super(`"${machine}" was forgotten, but its driver could not remove ${count}: ${resources.length === 1 ? 'it' : 'they'} may still exist and cost money.`, {
      hint: `Remove ${resources.length === 1 ? 'it' : 'them'} with the command${resources.length === 1 ? '' : 's'} above, then run "berth rm --forget-orphans ${resources.map((resource) => resource.id).join(' ')}"; "berth ls --orphans" lists them until then.`,
    })
  }
}

export class PreCreateCheckError extends BerthError {
  override readonly name = 'PreCreateCheckError'
  constructor(message: string, hint?: string) {
    super(message, {exitCode: 3, ...(hint === undefined ? {} : {hint})})
  }
}

export class UnknownDriverError extends BerthError {
  override readonly name = 'UnknownDriverError'
  constructor(driver: string, available: readonly string[]) {
    super(`Unknown driver ${quoteValue(driver)}.`, {hint: `Available drivers: ${available.join(', ')}. Run "berth drivers" for details.`})
  }
}

export class UnsupportedOperationError extends BerthError {
  override readonly name = 'UnsupportedOperationError'
  constructor(driver: string, operation: string) {
    super(`The ${driver} driver does not support "${operation}".`)
  }
}

export class TimeoutError extends BerthError {
  override readonly name = 'TimeoutError'
}

/** The message of any thrown value, for places that report a failure without rethrowing it. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
