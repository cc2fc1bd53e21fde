import {builtInDrivers} from '../../drivers/index.js'
import {DriverRegistry} from '../core/drivers/registry.js'
import {NeedsFullCli, createApp} from './app.js'
import type {Action} from './base-command.js'
import {errorLine} from './error-line.js'
import {leanParse} from './lean-parse.js'
import {moveLeadingGlobalFlags, type CommandSpec} from './spec.js'

export {moveLeadingGlobalFlags}
import {processTerminal} from './terminal.js'
import {berthVersion} from './version-string.js'

/**
 * The read-only commands scripts and shell prompts call most (env, ls, ip, ...) run here without loading
 * oclif, which alone costs more than Node's own start-up. Anything this path is not sure about — help,
 * unknown flags, plugin drivers — returns undefined and the full CLI takes over, so users see one behaviour.
 */
const leanCommands: Record<string, () => Promise<{spec: CommandSpec; run: Action}>> = {
  active: () => import('./actions/active.js'),
  config: () => import('./actions/config.js'),
  env: () => import('./actions/env.js'),
  inspect: () => import('./actions/inspect.js'),
  ip: () => import('./actions/ip.js'),
  ls: () => import('./actions/ls.js'),
  status: () => import('./actions/status.js'),
  url: () => import('./actions/url.js'),
  version: () => import('./actions/version.js'),
}

/** Run argv on the lean path; the exit code, or undefined when the full CLI must handle it. */
export async function runLean(typed: readonly string[]): Promise<number | undefined> {
  const argv = moveLeadingGlobalFlags(typed)
  const terminal = processTerminal(typed)
  if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-v')) {
    terminal.out(`${berthVersion()}\n`)
    return 0
  }
  const load = leanCommands[argv[0] ?? '']
  if (load === undefined || argv.some((arg) => arg === '--help' || arg === '-h' || arg === '--')) return undefined
  const command = await load()
  const input = leanParse(command.spec, argv.slice(1), terminal.env)
  if (input === undefined) return undefined
  const app = createApp(input.flags, terminal, new DriverRegistry(builtInDrivers), false)
  try {
    await command.run(app, input, new AbortController().signal)
    return 0
  } catch (error) {
    if (error instanceof NeedsFullCli) return undefined
    const {line, exitCode} = errorLine(error)
    terminal.err(`${line}\n`)
    return exitCode
  }
}
