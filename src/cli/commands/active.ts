import {isActive} from '../../core/client/active.js'
import {DockerContextStore} from '../../core/client/docker-context.js'
import {BerthError, errorMessage} from '../../core/errors.js'
import {run as runCommand} from '../../core/fix.js'
import {compareMachineNames} from '../../core/listing/natural-sort.js'
import {queryStatuses} from '../../core/status/machine-status.js'
import type {App} from '../app.js'
import {NeedsFullCli} from '../app.js'
import {openStoredMachine} from '../open.js'
import type {CommandSpec, ParsedInput} from '../spec.js'

export const spec: CommandSpec = {
  summary: 'Print the name of the machine the docker client currently points at.',
  description: 'A machine is active when $DOCKER_HOST is its URL, or, with DOCKER_HOST unset, when the current docker context is its context (see "berth use").',
  examples: ['<%= config.bin %> active', '<%= config.bin %> active --timeout 3'],
  flags: {
    timeout: {type: 'integer', char: 't', default: 10, min: 1, description: 'Seconds to wait for each machine\'s state.'},
  },
  args: [],
}

export async function run(app: App, {flags}: ParsedInput): Promise<void> {
  const dockerHost = app.terminal.env.DOCKER_HOST || undefined
  const currentContext = dockerHost === undefined ? await new DockerContextStore(app.terminal.env).currentContext({strict: true}) : undefined
  const candidates = (await app.store.list()).flatMap((entry) => {
    const url = entry.config?.endpoint?.url
    return entry.config !== undefined && url !== undefined && isActive({url, name: entry.name}, {dockerHost, currentContext}) ? [entry.config] : []
  })
  const machines = await Promise.all(candidates.map(async (config) => {
    try {
      return await openStoredMachine(app, config)
    } catch (error) {
      if (error instanceof NeedsFullCli) throw error
      throw new BerthError(`Machine "${config.name}" cannot be checked: ${errorMessage(error)}`, {code: 'machine-check-failed', data: {machine: config.name}, cause: error})
    }
  }))
  const statuses = await queryStatuses(app.layout, machines, {timeoutMs: (flags.timeout as number) * 1000, withEngine: false})
  if (statuses.some((status) => status.state === 'Timeout')) throw new BerthError('Error getting active host: timeout.', {code: 'active-timed-out', fixes: [runCommand('ls')]})
  const running = statuses.filter((status) => status.state === 'Running').map((status) => status.name).sort(compareMachineNames)
  if (running.length === 0) throw new BerthError('No active host found.', {code: 'no-active-machine', fixes: [runCommand('env', 'NAME'), runCommand('use', 'NAME')]})
  app.terminal.out(`${running[0]}\n`)
}
