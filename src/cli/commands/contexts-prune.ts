import {describeStaleness} from '../../core/client/context-staleness.js'
import {DockerContextStore, type StaleContext} from '../../core/client/docker-context.js'
import {pruneContexts} from '../../core/contexts/prune-contexts.js'
import {BerthError} from '../../core/errors.js'
import type {App} from '../app.js'
import type {CommandSpec, ParsedInput} from '../spec.js'

export const spec: CommandSpec = {
  summary: 'Remove the docker contexts berth made for machines that no longer exist (their store was deleted, or no longer has them).',
  examples: ['<%= config.bin %> contexts prune --dry-run', '<%= config.bin %> contexts prune', '<%= config.bin %> contexts prune --json'],
  flags: {
    'dry-run': {type: 'boolean', description: 'Only list the stale contexts; remove nothing.'},
    json: {type: 'boolean', description: 'Print the stale contexts as a JSON array, each with whether it was removed.'},
  },
  args: [],
}

export async function run(app: App, {flags}: ParsedInput, signal: AbortSignal): Promise<void> {
  const contexts = new DockerContextStore(app.terminal.env)
  await contexts.checkUsable()
  const dryRun = flags['dry-run'] === true
  const result = await pruneContexts({contexts, reporter: app.reporter, env: app.terminal.env, signal}, {dryRun})
  const removed = new Set(result.removed.map((stale) => stale.context))
  const why = (stale: StaleContext) => describeStaleness(stale.marker, stale.reason)
  if (flags.json === true) {
    const view = result.found.map((stale) => ({context: stale.context, store: stale.marker.store, reason: stale.reason, why: why(stale), removed: removed.has(stale.context)}))
    app.terminal.out(`${JSON.stringify(view, null, 2)}\n`)
  } else {
    const listed = dryRun ? result.found : result.removed
    app.terminal.out(listed.map((stale) => `${dryRun ? 'Would remove' : 'Removed'} docker context "${stale.context}": ${why(stale)}\n`).join(''))
  }
  if (result.found.length === 0) app.reporter.info('No stale docker contexts: every context berth made belongs to a machine that exists.')
  const {current} = result
  if (current !== undefined) {
    app.reporter.warn(current.fromEnv
      ? `DOCKER_CONTEXT names the stale context "${current.context}"${dryRun ? '' : ', which is gone now'}: unset it, or the docker CLI fails.`
      : dryRun
        ? `"${current.context}" is the docker CLI's current context: pruning it switches the docker CLI back to its default context.`
        : `"${current.context}" was the docker CLI's current context: the docker CLI is back on its default context.`)
  }
  for (const {stale, reason} of result.kept) app.terminal.err(`Could not remove docker context "${stale.context}": ${reason}\n`)
  if (result.kept.length > 0) throw new BerthError(`${result.kept.length} of ${result.found.length} stale docker contexts could not be removed.`, {code: 'contexts-kept', data: {kept: result.kept.length, total: result.found.length}})
}
