import type {Command} from '@oclif/core'
import {UsageError} from '../core/errors.js'
import {BerthCommand, type Action} from './base-command.js'
import {oclifArgs, oclifFlags} from './oclif-spec.js'
import type {CommandSpec} from './spec.js'

/** An oclif command class for a command described by a spec and run by an action. */
export function defineCommand(spec: CommandSpec, action: Action): Command.Class {
  return class extends BerthCommand {
    static override summary = spec.summary
    static override description = spec.description
    static override examples = spec.examples ?? []
    static override flags = oclifFlags(spec.flags)
    static override args = oclifArgs(spec.args)
    // oclif rejects extra arguments unless the command is not strict; unknown flags are still refused below.
    static override strict = !spec.variadic

    async run(): Promise<void> {
      const input = await this.parseDeclared()
      // What follows "--" is an argument even when it starts with "-" (a name the command then judges).
      const end = this.argv.indexOf('--')
      const flagsPart = end === -1 ? this.argv : this.argv.slice(0, end)
      const unknown = input.args.find((arg) => arg.startsWith('-') && arg !== '-' && flagsPart.includes(arg))
      if (unknown !== undefined) throw new UsageError(`Nonexistent flag: ${unknown}.`, {code: 'unknown-flag', data: {flags: [unknown]}})
      await this.runAction(action, input)
    }
  }
}

/**
 * A command that runs a system tool (scp, sshfs) and ends with that tool's exit code: the tool has already
 * said what went wrong, so berth adds no error line of its own.
 */
export function defineToolCommand(spec: CommandSpec, action: (...args: Parameters<Action>) => Promise<number>): Command.Class {
  return class extends BerthCommand {
    static override summary = spec.summary
    static override description = spec.description
    static override examples = spec.examples ?? []
    static override flags = oclifFlags(spec.flags)
    static override args = oclifArgs(spec.args)

    async run(): Promise<void> {
      let code = 0
      await this.runAction(async (app, input, signal) => {
        code = await action(app, input, signal)
      })
      process.exitCode = code
    }
  }
}
