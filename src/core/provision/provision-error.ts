import {BerthError, errorMessage} from '../errors.js'
import {run} from '../fix.js'
import type {UndoReport} from './host-change.js'

/** A provisioning step failed: names the step, the cause, and, when the engine failed, the tail of its log. */
export class ProvisionError extends BerthError {
  override readonly name = 'ProvisionError'
  readonly engineLog: string | undefined
  readonly undo: {text: string; report?: UndoReport} | undefined
  constructor(readonly step: string, title: string, cause: unknown, options: {machineName: string; engineLog?: string | undefined; undo?: {text: string; report?: UndoReport}}) {
    const undone = options.undo === undefined ? '' : ` ${sentence(options.undo.text)}`
    super(`Provisioning failed at step "${step}" (${title}): ${sentence(errorMessage(cause))}${undone}${options.engineLog ? `\nLast lines of the engine's log:\n${options.engineLog.trimEnd()}` : ''}`, {
      cause,
      code: 'provision-failed',
      data: {
        machine: options.machineName,
        step,
        title,
        ...(options.undo === undefined ? {} : {undone: options.undo.text}),
        ...(options.engineLog ? {engineLog: options.engineLog} : {}),
      },
      // The cause's fix when it has one (the CLI words it); else provisioning again.
      fixes: cause instanceof BerthError && (cause.hint !== undefined || cause.fixes.length > 0) ? cause.fixes : [run('provision', options.machineName)],
    })
    this.engineLog = options.engineLog
    this.undo = options.undo
  }
}

/** A message part as a sentence: a capital is not forced, but a full stop ends it. */
function sentence(text: string): string {
  const trimmed = text.trimEnd()
  return /[.!?]$/.test(trimmed) ? trimmed : `${trimmed}.`
}
