import {compileTemplate} from '../../core/go-template/go-template.js'
import {inspectView} from '../../core/inspect/inspect-view.js'
import type {App} from '../app.js'
import {compileFormatFlag} from '../format-flag.js'
import {machineName} from '../machine-args.js'
import type {CommandSpec, ParsedInput} from '../spec.js'

export const spec: CommandSpec = {
  summary: 'Print a machine\'s configuration as JSON (secrets are never shown).',
  examples: ['<%= config.bin %> inspect m1', '<%= config.bin %> inspect --format "{{.Driver.IPAddress}}" m1', '<%= config.bin %> inspect -f "{{json .engine}}" m1'],
  flags: {
    format: {type: 'string', char: 'f', helpValue: 'TEMPLATE', description: 'Go template over the JSON (functions: json, prettyjson, upper, lower, join, printf).'},
  },
  args: [{name: 'name', description: 'machine name (default: "default")'}],
}

export async function run(app: App, {flags, args}: ParsedInput): Promise<void> {
  const format = flags.format as string | undefined
  // Compile first: a bad template fails before anything is read.
  const template = format === undefined ? undefined : compileFormatFlag(() => compileTemplate(format))
  const config = await app.store.load(await machineName(app, args))
  const view = inspectView(config, app.layout)
  app.terminal.out(template === undefined ? `${JSON.stringify(view, null, 4)}\n` : `${template.execute(view)}\n`)
}
