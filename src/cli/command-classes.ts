import type {Command} from '@oclif/core'
import {commandClass, commandTable} from './command-table.js'

/**
 * Every command's oclif class, loaded: what scripts/write-manifest.js writes oclif.manifest.json from. berth itself
 * never loads this module (see `commands` in command-table.ts).
 */
export const commands: Record<string, Command.Class> = Object.fromEntries(
  await Promise.all(Object.keys(commandTable).map(async (name) => [name, await commandClass(name)] as const)),
)
