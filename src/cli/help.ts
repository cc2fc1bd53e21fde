import {Command, Help} from '@oclif/core'
import {driverRegistryFor} from './driver-catalog.js'
import {driverFromArgv} from './driver-flags.js'

/**
 * `berth create -d X --help` lists the shared create flags and X's flags only, as Docker Machine did,
 * including the flags of drivers that come from plugins (which oclif's static help cannot know).
 */
export default class BerthHelp extends Help {
  private argv: string[] = []

  override async showHelp(argv: string[]): Promise<void> {
    this.argv = argv
    await super.showHelp(argv)
  }

  override async showCommandHelp(command: Command.Loadable): Promise<void> {
    const driverName = command.id === 'create' ? driverFromArgv(this.argv, process.env) : undefined
    if (driverName === undefined) return super.showCommandHelp(command)
    const definition = await driverRegistryFor(this.config).get(driverName)
    const shared = Object.fromEntries(Object.entries(command.flags).filter(([, flag]) => flag.helpGroup !== 'DRIVER'))
    const own = Object.fromEntries(definition.flags.map((flag): [string, Command.Flag.Cached] => [flag.name, flag.type === 'boolean'
      ? {name: flag.name, type: 'boolean', description: flag.description, helpGroup: `${definition.name.toUpperCase()} DRIVER`, allowNo: false}
      : {name: flag.name, type: 'option', description: flag.description, helpGroup: `${definition.name.toUpperCase()} DRIVER`, multiple: flag.type === 'string-array', ...(flag.env ? {env: flag.env} : {})}]))
    return super.showCommandHelp({...command, flags: {...shared, ...own}})
  }
}
