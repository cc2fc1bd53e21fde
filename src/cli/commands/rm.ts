import {DockerContextStore} from '../../core/client/docker-context.js'
import {BerthError} from '../../core/errors.js'
import {run as runCommand} from '../../core/fix.js'
import {validateMachineName} from '../../core/machine-name.js'
import {describeRemovals, forgetOrphans, removeMachine, type MachineRemoval} from '../../core/remove/index.js'
import type {App} from '../app.js'
import {dockerMachineRemoveFailure} from '../docker-machine-wording.js'
import {errorLine} from '../error-line.js'
import type {CommandSpec, ParsedInput} from '../spec.js'

export const spec: CommandSpec = {
  summary: 'Remove machines: the driver removes what it made, berth forgets the machine and its docker context.',
  examples: ['<%= config.bin %> rm web1', '<%= config.bin %> rm -y web1 web2', '<%= config.bin %> rm -f broken', '<%= config.bin %> rm -y --clean-host server1'],
  flags: {
    yes: {type: 'boolean', char: 'y', description: 'Do not ask for confirmation.'},
    force: {type: 'boolean', char: 'f', description: 'Remove local state even when the driver cannot remove the host; implies --yes.'},
    'clean-host': {type: 'boolean', description: 'First remove the engine configuration and TLS files berth wrote on the host and restart the engine, which then listens on its unix socket only (machines berth provisioned).'},
    'forget-orphans': {type: 'boolean', description: 'The arguments are ids of orphaned cloud resources ("berth ls --orphans"): remove each again if it is still there, and forget it once its driver confirms it is gone.'},
  },
  args: [{name: 'name', description: 'machines to remove (orphan ids with --forget-orphans)', required: true}],
  variadic: true,
}

export async function run(app: App, {flags, args}: ParsedInput, signal: AbortSignal): Promise<void> {
  if (flags['forget-orphans'] === true) return forget(app, args, signal)
  const names = args.map(validateMachineName)
  const force = flags.force === true
  const options = {cleanHost: flags['clean-host'] === true}
  const {terminal} = app
  terminal.err(`About to remove ${names.join(', ')}\n`)
  // Docker Machine's warning stays word for word when berth runs as it (scripts match it); berth says what really happens.
  if (app.personality === 'docker-machine') terminal.err('WARNING: This action will delete both local reference and remote instance.\n')
  else for (const removal of await describeRemovals(names, app, options)) terminal.err(`${removalLine(removal)}\n`)
  if (!force && flags.yes !== true) {
    const answer = await terminal.ask('Are you sure? (y/n): ')
    // Declining is an answer, not a failure: Docker Machine exits 0 with nothing more said, and scripts rely on it.
    if (!/^y(es)?$/i.test(answer)) return
  }
  const deps = {store: app.store, registry: app.registry, contexts: new DockerContextStore(terminal.env), reporter: app.reporter, env: terminal.env, signal}
  // One machine: its failure is the command's one error line; Docker Machine named the machine in it, as for several.
  if (names.length === 1 && app.personality === 'berth') {
    await removeMachine(names[0]!, force, deps, options)
    terminal.out(`Successfully removed ${names[0]!}\n`)
    return
  }
  let failures = 0
  for (const name of names) {
    try {
      await removeMachine(name, force, deps, options)
      terminal.out(`Successfully removed ${name}\n`)
    } catch (error) {
      failures++
      terminal.err(`${removeFailureLine(app, name, error)}\n`)
    }
  }
  if (failures > 0) throw new BerthError(`${failures} of ${names.length} machines could not be removed.`, {code: 'machines-failed', data: {failed: failures, total: names.length, removing: true}})
}

/** What removing one machine does to its host, before the question. */
function removalLine({machine, driver, host}: MachineRemoval): string {
  const effect = {
    deleted: 'the host and everything its driver made for it are deleted',
    left: 'the host is left as it is; berth\'s engine settings stay on it unless --clean-host',
    'left-cleaned': 'berth\'s engine settings on the host are put back as berth found them (--clean-host); the host is otherwise left as it is',
    'record-only': 'only berth\'s record goes; the engine and its host are left as they are',
  }[host]
  return `${machine} (${driver}): ${effect}.`
}

/** The line that reports one machine rm could not remove, before it goes on to the next. */
function removeFailureLine(app: App, name: string, error: unknown): string {
  const {line} = errorLine(error, app.personality)
  return app.personality === 'docker-machine' ? dockerMachineRemoveFailure(name, line.replace(/^Error: /, '')) : `Error removing "${name}": ${line.replace(/^Error: /, '')}`
}

/** rm --forget-orphans ID...: one line per resource on stdout once it is confirmed gone; the rest stay on record. */
async function forget(app: App, ids: readonly string[], signal: AbortSignal): Promise<void> {
  const deps = {store: app.store, registry: app.registry, contexts: new DockerContextStore(app.terminal.env), reporter: app.reporter, env: app.terminal.env, signal}
  const {forgotten, kept} = await forgetOrphans(ids, deps)
  for (const orphan of forgotten) app.terminal.out(`Forgot ${orphan.kind} ${orphan.id} of "${orphan.machine}": it is gone\n`)
  for (const {orphan, reason} of kept) app.terminal.err(`Kept ${orphan.kind} ${orphan.id} of "${orphan.machine}" on record: berth could not confirm it is gone: ${reason}\n`)
  if (kept.length > 0) {
    throw new BerthError(`${kept.length} of ${forgotten.length + kept.length} orphaned resources are still on record.`, {
      code: 'orphans-kept',
      data: {kept: kept.length, total: forgotten.length + kept.length},
      fixes: [runCommand('ls', undefined, ['--orphans'])],
    })
  }
}
