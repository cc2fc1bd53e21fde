import type {Command} from '@oclif/core'
import type {DriverDefinition, DriverExample, DriverFlag} from '../driver-kit/contract.js'
import type {DriverRegistry} from '../core/driver-registry/registry.js'
import {errorMessage} from '../core/errors.js'
import {run, unquoted} from '../core/fix.js'
import type {ExtraSection} from './command-help.js'
import {driverHelpGroup} from './driver-flags.js'
import {spellCommand} from './error-wording.js'
import type {Personality} from './personality.js'

/**
 * What create's help adds: without -d, every driver (built in and from plugins) with its one-line description and
 * how to see its flags; with -d X, X's flags, defaults and variables included, and X's example.
 */

/** The DRIVERS section: one line per driver, cut to the width, then the command that shows a driver's flags. */
export async function driversSection(registry: DriverRegistry, program: Personality, width: number): Promise<ExtraSection> {
  const rows = await Promise.all(registry.names().map(async (name) => {
    try {
      return [name, firstLine((await registry.get(name)).description)] as const
    } catch (error) {
      // A broken plugin is listed all the same: `drivers` says what is wrong with it.
      return [name, `cannot be loaded (${errorMessage(error)})`] as const
    }
  }))
  const column = Math.max(...rows.map(([name]) => name.length)) + 2
  const lines = rows.map(([name, description]) => `${name.padEnd(column)}${cut(description, width - 2 - column)}`)
  const seeFlags = spellCommand(unquoted(run('create', undefined, ['-d', 'DRIVER', '--help'])), program)
  return {header: 'DRIVERS', body: [...lines, '', `See a driver's flags: ${seeFlags}`].join('\n')}
}

/** A driver's flags as oclif's help lists them, under the driver's own heading. A secret flag's default is never shown. */
export function driverFlagsForHelp(definition: DriverDefinition): Record<string, Command.Flag.Cached> {
  const group = driverHelpGroup(definition.name)
  return Object.fromEntries(definition.flags.map((flag): [string, Command.Flag.Cached] => [flag.name, flag.type === 'boolean'
    ? {name: flag.name, type: 'boolean', description: flag.description, helpGroup: group, allowNo: false, ...(flag.env ? {env: flag.env} : {})}
    : {
      name: flag.name, type: 'option', description: flag.description, helpGroup: group, multiple: flag.type === 'string-array',
      ...(flag.env ? {env: flag.env} : {}),
      ...(flag.secret === true ? {} : defaultShown(flag)),
    }]))
}

/** The driver's example as a command line: `berth create -d NAME ARGS MACHINE`. */
export function driverExampleLine(driver: string, example: DriverExample, program: string): string {
  return [program, 'create', '-d', driver, ...example.args, example.machine].join(' ')
}

function defaultShown(flag: DriverFlag): {default?: string | number | string[]} {
  if (flag.default !== undefined && typeof flag.default !== 'boolean') return {default: typeof flag.default === 'object' ? [...flag.default] : flag.default}
  return typeof flag.defaultHelp === 'string' ? {default: flag.defaultHelp} : {}
}

function firstLine(text: unknown): string {
  return typeof text === 'string' ? text.split('\n')[0]!.trim() : ''
}

/** The text, cut at a word to fit `width` columns, with an ellipsis when cut. */
function cut(text: string, width: number): string {
  if (text.length <= width) return text
  const head = text.slice(0, width - 1)
  const space = head.lastIndexOf(' ')
  return `${(space > width / 2 ? head.slice(0, space) : head).trimEnd()}…`
}
