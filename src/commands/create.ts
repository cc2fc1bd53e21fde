import {run, spec} from '../cli/actions/create.js'
import {BerthCommand} from '../cli/base-command.js'
import {builtInDriverDefinitions, driverRegistryFor} from '../cli/driver-catalog.js'
import {driverFlagSpecs, driverFromArgv, rejectForeignDriverFlags, rejectPluginDriverFlags} from '../cli/driver-flags.js'
import {oclifArgs, oclifFlags} from '../cli/oclif-spec.js'

const builtIns = await builtInDriverDefinitions()

export default class Create extends BerthCommand {
  static override summary = spec.summary
  static override description = spec.description
  static override examples = spec.examples ?? []
  // Built-in drivers' flags are declared here so that help, completion and the manifest list them.
  static override flags = {...oclifFlags(spec.flags), ...oclifFlags(builtIns.reduce((all, definition) => ({...all, ...driverFlagSpecs(definition)}), {}))}
  static override args = oclifArgs(spec.args)

  async run(): Promise<void> {
    const registry = driverRegistryFor(this.config)
    const driverName = driverFromArgv(this.argv, process.env)
    // A plugin driver's flags are known only once the driver is chosen: parse a second time with them.
    const pluginDriver = driverName !== undefined && registry.origin(driverName)?.kind === 'plugin' ? await registry.get(driverName) : undefined
    const chosen = pluginDriver ?? builtIns.find((definition) => definition.name === driverName)
    let parsed
    try {
      parsed = pluginDriver === undefined
        ? await this.parse(Create)
        : await this.parse({flags: {...Create.flags, ...oclifFlags(driverFlagSpecs(pluginDriver))}, baseFlags: BerthCommand.baseFlags, args: Create.args, strict: true})
    } catch (error) {
      // "Nonexistent flag" for another plugin driver's flag: name the driver it belongs to instead.
      await rejectPluginDriverFlags(registry, chosen, this.argv)
      throw error
    }
    if (chosen !== undefined) rejectForeignDriverFlags(chosen, builtIns, this.argv)
    await this.runAction(run, {flags: parsed.flags, args: parsed.argv.filter((arg): arg is string => typeof arg === 'string')})
  }
}
