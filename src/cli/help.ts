import {Command, Help} from '@oclif/core'
import type {DriverDefinition} from '../driver-kit/contract.js'
import {driverRegistryFor} from './driver-catalog.js'
import {dockerMachineRootHelp} from './docker-machine-help.js'
import {driverFromArgv, driverHelpGroup, isDriverHelpGroup} from './driver-flags.js'
import {errorLine} from './error-line.js'
import {personalityOf} from './personality.js'

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

  /** As Docker Machine, its banner and global options; berth's own help otherwise. */
  protected override async showRootHelp(): Promise<void> {
    if (personalityOf(process.env) !== 'docker-machine') return super.showRootHelp()
    const commands = this.sortedCommands.map((command) => ({name: command.id.replaceAll(':', ' '), summary: (command.summary ?? command.description?.split('\n')[0] ?? '').replaceAll('<%= config.bin %>', 'docker-machine')}))
    process.stdout.write(dockerMachineRootHelp(`berth ${this.config.version}`, commands))
  }

  override async showCommandHelp(command: Command.Loadable): Promise<void> {
    const driverName = command.id === 'create' ? driverFromArgv(this.argv, process.env) : undefined
    if (driverName === undefined) return super.showCommandHelp(command)
    let definition: DriverDefinition
    try {
      definition = await driverRegistryFor(this.config).get(driverName)
    } catch (error) {
      // An unknown or broken driver: one line naming the fix, as any other berth error (oclif would wrap a stack).
      const {line, exitCode} = errorLine(error, personalityOf(process.env))
      process.stderr.write(`${line}\n`)
      process.exitCode = exitCode
      return
    }
    const shared = Object.fromEntries(Object.entries(command.flags).filter(([, flag]) => !isDriverHelpGroup(flag.helpGroup)))
    const group = driverHelpGroup(definition.name)
    const own = Object.fromEntries(definition.flags.map((flag): [string, Command.Flag.Cached] => [flag.name, flag.type === 'boolean'
      ? {name: flag.name, type: 'boolean', description: flag.description, helpGroup: group, allowNo: false}
      : {
        name: flag.name, type: 'option', description: flag.description, helpGroup: group, multiple: flag.type === 'string-array',
        ...(flag.env ? {env: flag.env} : {}),
        // A secret flag's value is never printed, its default included.
        ...(flag.default !== undefined && flag.secret !== true && typeof flag.default !== 'boolean' ? {default: flag.default} : {}),
      }]))
    return super.showCommandHelp({...command, flags: {...shared, ...own}})
  }
}
