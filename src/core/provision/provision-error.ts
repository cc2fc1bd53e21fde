import {BerthError, errorMessage} from '../errors.js'

/** A provisioning step failed: names the step, the cause, and, when the engine failed, the tail of its log. */
export class ProvisionError extends BerthError {
  override readonly name = 'ProvisionError'
  readonly engineLog: string | undefined
  constructor(readonly step: string, title: string, cause: unknown, options: {machineName: string; engineLog?: string | undefined}) {
    super(`Provisioning failed at step "${step}" (${title}): ${errorMessage(cause)}${options.engineLog ? `\nLast lines of the engine's log:\n${options.engineLog.trimEnd()}` : ''}`, {
      cause,
      hint: cause instanceof BerthError && cause.hint ? cause.hint : `Fix the cause, then run "berth provision ${options.machineName}" to finish; every step is safe to repeat.`,
    })
    this.engineLog = options.engineLog
  }
}
