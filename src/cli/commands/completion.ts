import {UsageError} from '../../core/errors.js'
import {quoteValue} from '../../core/safe-text.js'
import type {App} from '../app.js'
import {COMPLETION_SHELLS, completionScript, type CompletionShell} from '../completion-scripts.js'
import type {CommandSpec, ParsedInput} from '../spec.js'

export const spec: CommandSpec = {
  summary: 'Print the script that completes berth\'s commands, flags, machines and drivers on Tab in a shell.',
  description: 'Install it once per shell: bash: berth completion bash >> ~/.bashrc; zsh (after compinit): echo \'source <(berth completion zsh)\' >> ~/.zshrc; ' +
    'fish: berth completion fish > ~/.config/fish/completions/berth.fish; PowerShell: berth completion powershell >> $PROFILE.',
  examples: ['<%= config.bin %> completion bash >> ~/.bashrc', '<%= config.bin %> completion fish > ~/.config/fish/completions/<%= config.bin %>.fish'],
  flags: {},
  args: [{name: 'shell', description: `the shell: ${COMPLETION_SHELLS.join(', ')}`, required: true}],
}

export async function run(app: App, {args}: ParsedInput): Promise<void> {
  const shell = args[0]!.toLowerCase()
  if (!(COMPLETION_SHELLS as readonly string[]).includes(shell)) {
    throw new UsageError(`berth has no completion for ${quoteValue(args[0]!)}: it has one for ${COMPLETION_SHELLS.join(', ')}.`, {code: 'shell-value'})
  }
  app.terminal.out(completionScript(shell as CompletionShell, app.personality))
}
