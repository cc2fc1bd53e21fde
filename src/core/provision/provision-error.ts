import {BerthError, errorMessage} from '../errors.js'

/** A provisioning step failed: names the step, the cause, and, when the engine failed, the tail of its log. */
export class ProvisionError extends BerthError {
  override readonly name = 'ProvisionError'
  constructor(readonly step: string, title: string, cause: unknown, readonly engineLog?: string) {
    super(`Provisioning failed at step "${step}" (${title}): ${errorMessage(cause)}${engineLog ? `\nLast lines of the engine's log:\n${engineLog.trimEnd()}` : ''}`, {
      cause,
      hint: cause instanceof BerthError && cause.hint ? cause.hint : 'Fix the cause, then run "berth provision NAME" to finish; every step is safe to repeat.',
    })
  }
}
