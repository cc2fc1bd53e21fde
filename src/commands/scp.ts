import {run, spec} from '../cli/actions/scp.js'
import {BerthCommand} from '../cli/base-command.js'
import {oclifArgs, oclifFlags} from '../cli/oclif-spec.js'

/** Its own class rather than defineCommand: the exit code is the one of the tool berth runs, which has said why. */
export default class Scp extends BerthCommand {
  static override summary = spec.summary
  static override description = spec.description
  static override examples = spec.examples ?? []
  static override flags = oclifFlags(spec.flags)
  static override args = oclifArgs(spec.args)

  async run(): Promise<void> {
    let code = 0
    await this.runAction(async (app, input, signal) => {
      code = await run(app, input, signal)
    })
    process.exitCode = code
  }
}
