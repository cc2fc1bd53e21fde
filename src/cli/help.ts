import {Command, Help, type CommandHelp} from '@oclif/core'
import type {DriverDefinition} from '../driver-kit/contract.js'
import {BerthCommandHelp, type ExtraSection} from './command-help.js'
import {driverRegistryFor} from './driver-catalog.js'
import {dockerMachineRootHelp} from './docker-machine-help.js'
import {driverExampleLine, driverFlagsForHelp, driversSection} from './create-help.js'
import {driverFromArgv, driverHelpGroup, isDriverHelpGroup} from './driver-flags.js'
import {errorLine} from './error-line.js'
import {personalityOf, type Personality} from './personality.js'
import {GLOBAL_HELP_GROUP} from './spec.js'

/**
 * berth's help. `berth create --help` lists the shared create flags and the drivers, one line each; `berth create -d X
 * --help` the shared flags and X's, as Docker Machine did, with X's example, including the drivers that come from
 * plugins (which oclif's static help cannot know). The global flags are described once, in the top-level help.
 */
export default class BerthHelp extends Help {
  private argv: string[] = []
  private sectionsAdded: ExtraSection[] = []

  override async showHelp(argv: string[]): Promise<void> {
    this.argv = argv
    await super.showHelp(argv)
  }

  /** As Docker Machine, its banner and global options; berth's own help otherwise, with the global flags described. */
  protected override async showRootHelp(): Promise<void> {
    if (personalityOf(process.env) !== 'docker-machine') {
      await super.showRootHelp()
      // berth's own commands' (a bundled plugin's commands have global flags of their own, as oclif's --json).
      const own = this.sortedCommands.filter((command) => command.pluginName === this.config.name)
      const globals = own.flatMap((command) => Object.values(command.flags)).filter((flag) => flag.helpGroup === GLOBAL_HELP_GROUP && flag.hidden !== true)
      const once = [...new Map(globals.map((flag) => [flag.name, flag])).values()]
      if (once.length > 0) this.log(`${new BerthCommandHelp(own[0]!, this.config, this.opts, this.program()).flagsSection('GLOBAL FLAGS', once)}\n`)
      return
    }
    const commands = this.sortedCommands.map((command) => ({name: command.id.replaceAll(':', ' '), summary: (command.summary ?? command.description?.split('\n')[0] ?? '').replaceAll('<%= config.bin %>', 'docker-machine')}))
    process.stdout.write(dockerMachineRootHelp(`berth ${this.config.version}`, commands))
  }

  protected override getCommandHelpClass(command: Command.Loadable): CommandHelp {
    return new BerthCommandHelp(command, this.config, this.opts, this.program(), this.sectionsAdded)
  }

  override async showCommandHelp(command: Command.Loadable): Promise<void> {
    if (command.id !== 'create') return super.showCommandHelp(command)
    const shared = Object.fromEntries(Object.entries(command.flags).filter(([, flag]) => !isDriverHelpGroup(flag.helpGroup)))
    const registry = driverRegistryFor(this.config)
    const driverName = driverFromArgv(this.argv, process.env)
    if (driverName === undefined) {
      this.sectionsAdded = [await driversSection(registry, this.program(), this.opts.maxWidth)]
      return super.showCommandHelp({...command, flags: shared})
    }
    let definition: DriverDefinition
    try {
      definition = await registry.get(driverName)
    } catch (error) {
      // An unknown or broken driver: one line naming the fix, as any other berth error (oclif would wrap a stack).
      const {line, exitCode} = errorLine(error, personalityOf(process.env))
      process.stderr.write(`${line}\n`)
      process.exitCode = exitCode
      return
    }
    return super.showCommandHelp({
      ...command,
      flags: {...shared, ...driverFlagsForHelp(definition)},
      description: `${definition.name}: ${definition.description}`,
      usage: `<%= command.id %> -d ${definition.name} [FLAGS] [${driverHelpGroup(definition.name)} FLAGS] NAME`,
      examples: definition.example === undefined ? [] : [driverExampleLine(definition.name, definition.example, '<%= config.bin %>')],
    })
  }

  /** The program the user runs: berth, or berth as docker-machine. */
  private program(): Personality {
    return personalityOf(process.env)
  }
}
