import {builtInDrivers} from '../../drivers/index.js'
import {DriverRegistry} from '../core/driver-registry/registry.js'
import {NeedsFullCli, createApp} from './app.js'
import type {Action} from './base-command.js'
import {errorLine} from './error-line.js'
import {exitOnInterrupt} from './interrupt.js'
import {leanParse} from './lean-parse.js'
import {moveLeadingGlobalFlags, type CommandSpec} from './spec.js'
import {processTerminal} from './terminal.js'

/**
 * Run one of the lean commands (marked so in command-table.ts) without loading oclif, which alone costs more than Node's own
 * start-up. Anything this path is not sure about — unknown flags, plugin drivers — returns undefined and the
 * full CLI takes over, so users see one behaviour.
 */
export async function runLean(typed: readonly string[], command: {spec: CommandSpec; run: Action}): Promise<number | undefined> {
  const argv = moveLeadingGlobalFlags(typed)
  const terminal = processTerminal(typed)
  const input = leanParse(command.spec, argv.slice(1), terminal.env)
  if (input === undefined) return undefined
  const app = createApp(input.flags, terminal, new DriverRegistry(builtInDrivers), false)
  const stopWatching = exitOnInterrupt()
  try {
    await command.run(app, input, new AbortController().signal)
    return 0
  } catch (error) {
    if (error instanceof NeedsFullCli) return undefined
    const {line, exitCode} = errorLine(error, app.personality, terminal.styling.colour)
    terminal.err(`${line}\n`)
    return exitCode
  } finally {
    stopWatching()
  }
}
