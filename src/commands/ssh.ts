import {run, spec, splitSshArgv} from '../cli/actions/ssh.js'
import {BerthCommand} from '../cli/base-command.js'
import {oclifArgs, oclifFlags} from '../cli/oclif-spec.js'

/**
 * Its own class rather than defineCommand: everything after the machine name is the remote command, flags
 * included, so only berth's part of the line is parsed, and the exit code is the remote command's.
 */
export default class Ssh extends BerthCommand {
  static override summary = spec.summary
  static override description = spec.description
  static override examples = spec.examples ?? []
  static override flags = oclifFlags(spec.flags)
  static override args = oclifArgs(spec.args)
  static override strict = false
  static override usage = '<%= command.id %> [FLAGS] [NAME] [-- COMMAND...]'

  async run(): Promise<void> {
    const {head, command} = splitSshArgv(this.argv)
    const parsed = await this.parse({flags: Ssh.flags, baseFlags: BerthCommand.baseFlags, args: oclifArgs(spec.args.slice(0, 1)), strict: true}, head)
    const name = typeof parsed.args.name === 'string' ? parsed.args.name : undefined
    let code = 0
    await this.runAction(async (app, input, signal) => {
      code = await run(app, {flags: input.flags, name, command}, signal)
    }, {flags: parsed.flags, args: name === undefined ? [] : [name]})
    process.exitCode = code
  }
}
