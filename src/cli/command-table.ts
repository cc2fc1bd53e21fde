import type {Command} from '@oclif/core'
import type {Action} from './base-command.js'
import * as active from './commands/active.js'
import * as config from './commands/config.js'
import * as create from './commands/create.js'
import * as drivers from './commands/drivers.js'
import * as env from './commands/env.js'
import * as inspect from './commands/inspect.js'
import * as ip from './commands/ip.js'
import * as kill from './commands/kill.js'
import * as ls from './commands/ls.js'
import * as mount from './commands/mount.js'
import * as provision from './commands/provision.js'
import * as regenerateCerts from './commands/regenerate-certs.js'
import * as restart from './commands/restart.js'
import * as rm from './commands/rm.js'
import * as scp from './commands/scp.js'
import * as ssh from './commands/ssh.js'
import * as start from './commands/start.js'
import * as status from './commands/status.js'
import * as stop from './commands/stop.js'
import * as upgrade from './commands/upgrade.js'
import * as url from './commands/url.js'
import * as use from './commands/use.js'
import * as version from './commands/version.js'
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
type CommandEntry = {module: ActionModule; lean: true} | {module: ActionModule | ClassModule; lean?: false}

/** Every berth command, by the name it is typed with. */
export const commandTable: Readonly<Record<string, CommandEntry>> = {
  active: {module: active, lean: true},
  config: {module: config, lean: true},
  create: {module: create},
  drivers: {module: drivers},
  env: {module: env, lean: true},
  inspect: {module: inspect, lean: true},
  ip: {module: ip, lean: true},
  kill: {module: kill},
  ls: {module: ls, lean: true},
  mount: {module: mount},
  provision: {module: provision},
  'regenerate-certs': {module: regenerateCerts},
  restart: {module: restart},
  rm: {module: rm},
  scp: {module: scp},
  ssh: {module: ssh},
  start: {module: start},
  status: {module: status, lean: true},
  stop: {module: stop},
  upgrade: {module: upgrade},
  url: {module: url, lean: true},
  use: {module: use},
  version: {module: version, lean: true},
}

/** The oclif command classes, by name: what oclif's explicit command discovery loads (package.json "oclif.commands"). */
export const commands: Record<string, Command.Class> = Object.fromEntries(Object.entries(commandTable).map(([name, {module}]) => [
  name,
  'default' in module ? module.default : defineCommand(module.spec, module.run),
]))
