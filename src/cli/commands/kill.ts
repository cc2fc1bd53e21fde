import type {App} from '../app.js'
import {runLifecycle, timeoutFlag} from '../lifecycle-command.js'
import type {CommandSpec, ParsedInput} from '../spec.js'

export const spec: CommandSpec = {
  summary: 'Power machines off at once and wait until each has stopped.',
  description: 'Like stop, without a graceful shutdown. A machine already stopped is left as it is (exit 0).',
  examples: ['<%= config.bin %> kill web1', '<%= config.bin %> kill --timeout 300 web1 web2'],
  flags: {...timeoutFlag},
  args: [{name: 'name', description: 'machines (default: "default")'}],
  variadic: true,
}

export function run(app: App, input: ParsedInput, signal: AbortSignal): Promise<void> {
  return runLifecycle('kill', app, input, signal)
}
