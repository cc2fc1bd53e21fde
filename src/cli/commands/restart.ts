import type {App} from '../app.js'
import {autoRegenerateFlag, runLifecycle, timeoutFlag} from '../lifecycle-command.js'
import type {CommandSpec, ParsedInput} from '../spec.js'

export const spec: CommandSpec = {
  summary: 'Restart machines and wait until each is back and its engine answers.',
  description: 'Where berth reaches the host over SSH (generic: a reboot over SSH), the wait lasts until the host answers from a new boot. A stopped machine is started. A machine back at a new address gets a server certificate for it, unless --no-auto-regenerate.',
  examples: ['<%= config.bin %> restart web1', '<%= config.bin %> restart --timeout 300 web1 web2'],
  flags: {...timeoutFlag, ...autoRegenerateFlag},
  args: [{name: 'name', description: 'machines (default: "default")'}],
  variadic: true,
}

export function run(app: App, input: ParsedInput, signal: AbortSignal): Promise<void> {
  return runLifecycle('restart', app, input, signal)
}
