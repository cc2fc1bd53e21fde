import {DockerContextStore} from '../../core/client/docker-context.js'
import {UsageError} from '../../core/errors.js'
import {prose, run as runCommand, unquoted} from '../../core/fix.js'
import {endpointOf} from '../../core/machine/engine-access.js'
import {writeMachineContext} from '../../core/machine/machine-context.js'
import {changingMachine} from '../../core/machine/machine-lock.js'
import type {App} from '../app.js'
import type {CommandSpec, ParsedInput} from '../spec.js'

export const spec: CommandSpec = {
  summary: 'Switch the docker client\'s current context to a machine (or back to the default with --unset).',
  examples: ['<%= config.bin %> use web1', '<%= config.bin %> use --unset'],
  flags: {
    unset: {type: 'boolean', char: 'u', description: 'Return to docker\'s default context.'},
  },
  args: [{name: 'name', description: 'machine to use'}],
}

export async function run(app: App, {flags, args}: ParsedInput, signal: AbortSignal): Promise<void> {
  const contexts = new DockerContextStore(app.terminal.env)
  await contexts.checkUsable()
  const name = args[0]
  if (flags.unset === true) {
    if (name !== undefined) throw new UsageError('Expected no machine name with --unset.', {code: 'machine-name-not-expected', data: {flag: '--unset'}})
    await contexts.use(undefined)
    app.terminal.out('default\n')
    return
  }
  if (name === undefined) throw new UsageError('Name the machine to use.', {code: 'use-needs-machine', fixes: [runCommand('use', 'NAME'), runCommand('use', undefined, ['--unset'])]})
  // Rewrite the context each time: it may have been deleted, or the machine's address may have changed. A name
  // the docker CLI refuses gets no context, and use() below says why. A context of this name that another store
  // (or the user) made is refused and left as it is; a stale one is replaced. Under the machine's lock, so rm never
  // leaves it behind.
  await changingMachine({store: app.store, reporter: app.reporter, env: app.terminal.env, signal}, name, async () => {
    const config = await app.store.load(name)
    await writeMachineContext(contexts, app.layout, name, endpointOf(config).url, app.reporter, {refuse: true})
    await contexts.use(name)
  })
  if (app.terminal.env.DOCKER_HOST) app.reporter.warn(prose`DOCKER_HOST is set and overrides the current context; run eval "$(${unquoted(runCommand('env', undefined, ['--unset']))})" to clear it.`)
  app.terminal.out(`${name}\n`)
}
