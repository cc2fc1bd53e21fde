import {compileTemplate} from '../../core/go-template/go-template.js'
import {inspectView} from '../../core/inspect/inspect-view.js'
import {machineJson} from '../../core/inspect/machine-json.js'
import type {App} from '../app.js'
import {compileFormatFlag} from '../format-flag.js'
import {jsonFlag, printJson, wantsJson} from '../json-output.js'
import {machineName} from '../machine-args.js'
import type {CommandSpec, ParsedInput} from '../spec.js'

export const spec: CommandSpec = {
  summary: 'Print a machine\'s configuration as JSON (secrets are never shown).',
  description: 'Without flags, berth\'s configuration with Docker Machine\'s fields alongside, which --format templates read; --json prints berth\'s own fields alone (docs/json.md).',
  examples: ['<%= config.bin %> inspect web1', '<%= config.bin %> inspect --json web1', '<%= config.bin %> inspect --format "{{.Driver.IPAddress}}" web1', '<%= config.bin %> inspect -f "{{json .engine}}" web1'],
  flags: {
    format: {type: 'string', char: 'f', helpValue: 'TEMPLATE', description: 'Go template over the JSON (functions: json, prettyjson, upper, lower, join, printf).'},
    ...jsonFlag,
  },
  args: [{name: 'name', description: 'machine name (default: "default")'}],
}

export async function run(app: App, {flags, args}: ParsedInput): Promise<void> {
  if (wantsJson(flags, {format: '--format'})) {
    printJson(app, machineJson(await app.store.load(await machineName(app, args)), app.layout))
    return
  }
  const format = flags.format as string | undefined
  // Compile first: a bad template fails before anything is read.
  const template = format === undefined ? undefined : compileFormatFlag(() => compileTemplate(format))
  const config = await app.store.load(await machineName(app, args))
  const view = inspectView(config, app.layout)
  app.terminal.out(template === undefined ? `${JSON.stringify(view, null, 4)}\n` : `${template.execute(view)}\n`)
}
