import {homedir} from 'node:os'
import {join, resolve} from 'node:path'
import {DockerContextStore} from '../../core/client/docker-context.js'
import {BerthError, UsageError} from '../../core/errors.js'
import {importDockerMachines} from '../../core/import/index.js'
import type {App} from '../app.js'
import {errorLine} from '../error-line.js'
import type {CommandSpec, ParsedInput} from '../spec.js'

export const spec: CommandSpec = {
  summary: 'Bring Docker Machine\'s machines into berth, with their certificates: their engines work at once, unchanged.',
  description: 'Reads a Docker Machine store ($MACHINE_STORAGE_PATH, else ~/.docker/machine; a relative --source is taken from the current directory) and adds its machines, or those named, to berth\'s store, each with a docker context. The Docker Machine store is only read. See docs/migrating.md.',
  examples: ['<%= config.bin %> import docker-machine', '<%= config.bin %> import docker-machine --dry-run', '<%= config.bin %> import docker-machine --source /backup/machine web1 web2'],
  flags: {
    source: {type: 'string', helpValue: 'DIR', defaultHelp: '$MACHINE_STORAGE_PATH, else ~/.docker/machine', description: 'The Docker Machine store to read.'},
    'dry-run': {type: 'boolean', description: 'Check each machine and say what would be imported, writing nothing.'},
  },
  args: [
    {name: 'tool', description: 'the tool whose machines to import: docker-machine', required: true},
    {name: 'name', description: 'machines to import (default: all of the store\'s)'},
  ],
  variadic: true,
}

export async function run(app: App, {flags, args}: ParsedInput, signal: AbortSignal): Promise<void> {
  const [tool, ...names] = args
  if (tool !== 'docker-machine') throw new UsageError(`berth imports from docker-machine only, not ${JSON.stringify(tool)}.`, {hint: 'Name the tool first: import docker-machine [NAME...].'})
  const {terminal} = app
  const given = flags.source as string | undefined
  const source = resolve(given ?? (terminal.env.MACHINE_STORAGE_PATH || join(terminal.env.HOME || homedir(), '.docker', 'machine')))
  const dryRun = flags['dry-run'] === true
  const deps = {store: app.store, registry: app.registry, contexts: new DockerContextStore(terminal.env), reporter: app.reporter, env: terminal.env, signal}
  const outcomes = await importDockerMachines({source, names, dryRun}, deps)
  if (outcomes.length === 0) {
    app.reporter.info(`The Docker Machine store ${source} has no machines.`)
    return
  }
  let failures = 0
  for (const outcome of outcomes) {
    if ('error' in outcome) {
      failures++
      terminal.err(`${errorLine(outcome.error).line}\n`)
      continue
    }
    const {config} = outcome
    terminal.out(`${dryRun ? 'Would import' : 'Imported'} "${config.name}" (${config.driver.name}, ${config.endpoint!.url})\n`)
  }
  if (failures > 0) throw new BerthError(`${failures} of ${outcomes.length} machines could not be imported.`, {code: 'machines-failed', data: {failed: failures, total: outcomes.length, importing: true}})
}
