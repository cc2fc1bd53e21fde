import type {App} from '../app.js'
import {autoRegenerateFlag, runLifecycle, timeoutFlag} from '../lifecycle-command.js'
import type {CommandSpec, ParsedInput} from '../spec.js'

export const spec: CommandSpec = {
  summary: 'Start machines and wait until each runs and its engine answers.',
  description: 'A machine that moved to a new address gets a server certificate for it (its engine restarts), unless --no-auto-regenerate. A machine already running is left as it is (exit 0).',
  examples: ['<%= config.bin %> start web1', '<%= config.bin %> start --timeout 300 web1 web2'],
  flags: {...timeoutFlag, ...autoRegenerateFlag},
  args: [{name: 'name', description: 'machines (default: "default")'}],
  variadic: true,
}

export function run(app: App, input: ParsedInput, signal: AbortSignal): Promise<void> {
  return runLifecycle('start', app, input, signal)
}
