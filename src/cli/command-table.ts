import type {Command} from '@oclif/core'
import type {Action} from './base-command.js'
import {defineCommand} from './define-command.js'
import type {CommandSpec} from './spec.js'

/** A command module that declares its spec and its action; the table makes its oclif class. */
export interface ActionModule {
  spec: CommandSpec
  run: Action
}

/** A command module that parses its line or ends with an exit code of its own, and so exports its oclif class. */
export interface ClassModule {
  default: Command.Class
}

/**
 * A lean command runs from a bundle of its own in dist/lean without oclif (scripts/bundle-lean.js, bin/run.cjs):
 * the read-only commands scripts and shell prompts call most. It throws NeedsFullCli where plugins matter.
 */
type CommandEntry = {load: () => Promise<ActionModule>; lean: true} | {load: () => Promise<ActionModule | ClassModule>; lean?: false}

/** Every berth command, by the name it is typed with, and how to load its module: only the command that runs is loaded. */
export const commandTable: Readonly<Record<string, CommandEntry>> = {
  active: {load: () => import('./commands/active.js'), lean: true},
  completion: {load: () => import('./commands/completion.js')},
  config: {load: () => import('./commands/config.js'), lean: true},
  'contexts:prune': {load: () => import('./commands/contexts-prune.js')},
  create: {load: () => import('./commands/create.js')},
  drivers: {load: () => import('./commands/drivers.js')},
  env: {load: () => import('./commands/env.js'), lean: true},
  import: {load: () => import('./commands/import.js')},
  inspect: {load: () => import('./commands/inspect.js'), lean: true},
  ip: {load: () => import('./commands/ip.js'), lean: true},
  kill: {load: () => import('./commands/kill.js')},
  ls: {load: () => import('./commands/ls.js'), lean: true},
  mount: {load: () => import('./commands/mount.js')},
  provision: {load: () => import('./commands/provision.js')},
  'regenerate-certs': {load: () => import('./commands/regenerate-certs.js')},
  restart: {load: () => import('./commands/restart.js')},
  rm: {load: () => import('./commands/rm.js')},
  scp: {load: () => import('./commands/scp.js')},
  ssh: {load: () => import('./commands/ssh.js')},
  start: {load: () => import('./commands/start.js')},
  status: {load: () => import('./commands/status.js'), lean: true},
  stop: {load: () => import('./commands/stop.js')},
  upgrade: {load: () => import('./commands/upgrade.js')},
  url: {load: () => import('./commands/url.js'), lean: true},
  use: {load: () => import('./commands/use.js')},
  version: {load: () => import('./commands/version.js'), lean: true},
}

/** A command's oclif class, made from its module. */
export async function commandClass(name: string): Promise<Command.Class> {
  const module = await commandTable[name]!.load()
  return 'default' in module ? module.default : defineCommand(module.spec, module.run)
}

/** What oclif runs a command with: a class, or, as here, anything whose static run makes and runs the command. */
interface RunnableCommand {
  run(this: Pick<Command.Class, 'id' | 'plugin'>, argv: string[], config: Parameters<Command.Class['run']>[1]): Promise<unknown>
}

/**
 * What oclif's explicit command discovery loads (package.json "oclif.commands"): for each command, a stand-in that
 * loads the command's module when that command runs. oclif takes flags, arguments and help from oclif.manifest.json,
 * which scripts/write-manifest.js writes from the real classes (src/cli/command-classes.ts); importing every command
 * module here would cost each run through oclif the start-up of all of them.
 */
export const commands: Record<string, RunnableCommand> = Object.fromEntries(Object.keys(commandTable).map((name) => [
  name,
  {
    async run(argv, config) {
      const command = await commandClass(name)
      // oclif gives the stand-in, not the class it never saw, the command's id and plugin.
      command.id = this.id
      command.plugin = this.plugin
      return command.run(argv, config) as Promise<unknown>
    },
  } satisfies RunnableCommand,
]))
