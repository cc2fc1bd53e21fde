import type {App} from '../app.js'
import {runLifecycle, timeoutFlag} from '../lifecycle-command.js'
import type {CommandSpec, ParsedInput} from '../spec.js'

export const spec: CommandSpec = {
  summary: 'Stop machines gracefully and wait until each has stopped.',
  description: 'A machine already stopped is left as it is (exit 0). Drivers that cannot stop a machine (generic, none) say so before anything happens.',
  examples: ['<%= config.bin %> stop web1', '<%= config.bin %> stop --timeout 300 web1 web2'],
  flags: {...timeoutFlag},
  args: [{name: 'name', description: 'machines (default: "default")'}],
  variadic: true,
}

export function run(app: App, input: ParsedInput, signal: AbortSignal): Promise<void> {
  return runLifecycle('stop', app, input, signal)
}
