import {isActive} from '../../core/client/active.js'
import {DockerContextStore} from '../../core/client/docker-context.js'
import {findStaleContexts} from '../../core/contexts/prune-contexts.js'
import {prose, run as runCommand} from '../../core/fix.js'
import {matchesFilters, needsState, parseFilters, type Filters} from '../../core/listing/filters.js'
import {listedMachineJson, type UnopenedMachine} from '../../core/inspect/machine-json.js'
import type {ListRow} from '../../core/listing/list-row.js'
import {compareMachineNames} from '../../core/listing/natural-sort.js'
import {alignColumns} from '../../core/listing/tabwriter.js'
import {compileListFormat, formatGoDuration} from '../../core/listing/table-format.js'
import type {OpenMachine} from '../../core/machine/open-machine.js'
import type {MachineStatus} from '../../core/status/machine-status.js'
import type {MachineEntry} from '../../core/store/machine-store.js'
import {OrphanRecord, type Orphan} from '../../core/store/orphans.js'
import {errorMessage} from '../../core/errors.js'
import {NeedsFullCli, type App} from '../app.js'
import {compileFormatFlag} from '../format-flag.js'
import {printJson, wantsJson} from '../json-output.js'
import {painter} from '../colour.js'
import {LiveText} from '../live-text.js'
import {paintStates} from '../state-colours.js'
import {openStoredMachine} from '../open.js'
import type {CommandSpec, ParsedInput} from '../spec.js'

export const spec: CommandSpec = {
  summary: 'List machines with their state, URL and engine version.',
  examples: ['<%= config.bin %> ls', '<%= config.bin %> ls --filter driver=none --filter state=Running', '<%= config.bin %> ls --format "{{.Name}} {{.URL}}"', '<%= config.bin %> ls --json'],
  flags: {
    quiet: {type: 'boolean', char: 'q', description: 'Print only machine names.'},
    filter: {type: 'strings', char: 'f', helpValue: 'KEY=VALUE', description: 'Show only matching machines: driver=, state=, name= (regular expression), label=, swarm=. Repeat a key for OR, mix keys for AND.'},
    timeout: {type: 'integer', char: 't', default: 10, min: 1, description: 'Seconds to wait for each machine\'s state and engine version.'},
    format: {type: 'string', helpValue: 'TEMPLATE', description: 'Go template per row; start with "table" for columns with a header.'},
    json: {type: 'boolean', description: 'Print the machines as a JSON array (shape: docs/json.md).'},
    orphans: {type: 'boolean', description: 'List instead the cloud resources of forgotten machines (rm -f) that berth could not remove, with the command that removes each.'},
  },
  args: [],
}

export async function run(app: App, {flags}: ParsedInput): Promise<void> {
  const json = wantsJson(flags, {format: '--format', quiet: '-q'})
  const orphans = await new OrphanRecord(app.layout).list()
  if (flags.orphans === true) return listOrphans(app, orphans, json)
  if (orphans.length > 0) app.reporter.warn(prose`${orphans.length === 1 ? '1 cloud resource' : `${orphans.length} cloud resources`} of forgotten machines may still exist: see ${runCommand('ls', undefined, ['--orphans'])}.`)
  // Bad filters and formats fail before any machine is asked anything.
  const filters = await parseFilters(flags.filter as string[])
  const listFormat = json ? undefined : compileFormatFlag(() => compileListFormat(flags.format as string | undefined))
  const quiet = flags.quiet === true
  const entries = await app.store.list()
  const opened = await Promise.all(entries.map((entry) => openEntry(app, entry)))
  // As Docker Machine, only the machines that the other filters keep are asked for their state.
  const withoutState = {...filters, state: []}
  const machines = opened.filter((item): item is OpenMachine => 'driver' in item && matchesFilters(withoutState, filterItem(item, undefined)))
  const broken = opened.filter((item): item is UnopenedMachine => !('driver' in item))

  if (quiet && !needsState(filters)) {
    app.terminal.out(machines.map((machine) => machine.config.name).sort(compareMachineNames).map((name) => `${name}\n`).join(''))
    return
  }
  // Looked for while the machines are asked, and told after the listing (not with -q, whose output is names only).
  const staleContexts = quiet ? Promise.resolve(0) : countStaleContexts(app, entries.map((entry) => entry.name))
  const dockerHost = app.terminal.env.DOCKER_HOST || undefined
  const currentContext = quiet || dockerHost !== undefined ? undefined : await new DockerContextStore(app.terminal.env).currentContext()
  const activeOf = (status: MachineStatus): boolean => isActive({url: status.url, name: status.name}, {dockerHost, currentContext})
  // On a terminal, the default table is shown at once and each row filled in as its machine answers (--debug's lines
  // on the same terminal would break the drawing); scripts (-q, --format, --json, a pipe) get the whole at the end.
  const screen = quiet || json || flags.format !== undefined || flags.debug === true ? undefined : app.terminal.screen
  const paint = painter(app.terminal.styling.colour)
  const live = screen === undefined ? undefined : new LiveText((text) => app.terminal.out(text), screen, (table) => paintStates(table, paint))
  const answers: (MachineStatus | undefined)[] = machines.map(() => undefined)
  const table = (): string => listFormat!.render(listingRows(machines, answers, broken, filters, activeOf))
  live?.update(table())
  // Loaded only here: ls -q without a state filter asks no engine and needs none of TLS.
  const {queryStatuses} = await import('../../core/status/machine-status.js')
  const redraw = live === undefined ? undefined : coalesced(() => live.update(table()))
  const statuses = await queryStatuses(app.layout, machines, {
    timeoutMs: (flags.timeout as number) * 1000,
    withEngine: !quiet,
    onAnswer(status, index) {
      answers[index] = status
      redraw?.()
    },
  })
  if (quiet) {
    const matching = statuses.filter((status, index) => matchesFilters(filters, filterItem(machines[index]!, status.state)))
    app.terminal.out(matching.map((status) => status.name).sort(compareMachineNames).map((name) => `${name}\n`).join(''))
    return
  }
  // As Docker Machine, machines that cannot be loaded are always listed, so they are noticed.
  if (listFormat === undefined) {
    const configOf = new Map(machines.map((machine) => [machine.config.name, machine.config]))
    const matching = statuses.filter((status, index) => matchesFilters(filters, filterItem(machines[index]!, status.state)))
    const listed = [...matching.map((status) => ({config: configOf.get(status.name)!, status, active: activeOf(status)})), ...broken]
    listed.sort((a, b) => compareMachineNames(nameOf(a), nameOf(b)))
    printJson(app, listed.map((machine) => listedMachineJson(app.layout, machine)))
    noteStaleContexts(app, await staleContexts)
    return
  }
  const final = listFormat.render(listingRows(machines, statuses, broken, filters, activeOf))
  if (live === undefined) app.terminal.out(final)
  else live.finish(final)
  noteStaleContexts(app, await staleContexts)
}

/**
 * The rows of the listing, sorted: each machine as it answered, or, still waiting for its answer, as the store knows
 * it (a state filter cannot judge it yet: it stays until it answers); and the machines that cannot be loaded.
 */
function listingRows(machines: readonly OpenMachine[], answers: readonly (MachineStatus | undefined)[], broken: readonly UnopenedMachine[], filters: Filters, activeOf: (status: MachineStatus) => boolean): ListRow[] {
  const rows = machines.flatMap((machine, index) => {
    const status = answers[index]
    if (status === undefined) return [pendingRow(machine)]
    return matchesFilters(filters, filterItem(machine, status.state)) ? [rowFor(status, activeOf(status))] : []
  })
  return [...rows, ...broken.map(brokenRow)].sort((a, b) => compareMachineNames(a.Name, b.Name))
}

/** Calls draw once after a burst of calls (answers that arrive together), not once per call. */
function coalesced(draw: () => void): () => void {
  let queued = false
  return () => {
    if (queued) return
    queued = true
    setImmediate(() => {
      queued = false
      draw()
    })
  }
}

/**
 * How many docker contexts berth made are stale (contexts prune removes them), apart from those of this store's
 * machines' names (see findStaleContexts); none when they cannot be read.
 */
async function countStaleContexts(app: App, machines: readonly string[]): Promise<number> {
  try {
    return (await findStaleContexts(new DockerContextStore(app.terminal.env), {except: machines})).length
  } catch (error) {
    app.reporter.debug(`docker contexts not checked: ${errorMessage(error)}`)
    return 0
  }
}

/** One line on stderr, after the listing: stdout is what scripts parse. */
function noteStaleContexts(app: App, count: number): void {
  if (count === 0) return
  const which = count === 1 ? '1 docker context berth made belongs to a machine that no longer exists' : `${count} docker contexts berth made belong to machines that no longer exist`
  app.reporter.warn(prose`${which}: remove ${count === 1 ? 'it' : 'them'} with ${runCommand('contexts', undefined, ['prune'])}.`)
}

function nameOf(machine: {status: MachineStatus} | UnopenedMachine): string {
  return 'status' in machine ? machine.status.name : machine.name
}

/** The orphans record, as a table or (--json) the entries without the driver state they keep. */
function listOrphans(app: App, orphans: readonly Orphan[], json: boolean): void {
  if (json) {
    const view = orphans.map(({machine, driver, kind, id, region, removeCommand, reason, forgottenAt}) => ({machine, driver, kind, id, region: region ?? null, removeCommand: removeCommand ?? null, reason, forgottenAt}))
    printJson(app, view)
    return
  }
  const rows = [['MACHINE', 'KIND', 'ID', 'REGION', 'REMOVE WITH'], ...orphans.map((orphan) => [orphan.machine, orphan.kind, orphan.id, orphan.region ?? '-', orphan.removeCommand ?? `the ${orphan.driver} driver's own tools`])]
  app.terminal.out(alignColumns(rows.map((row) => `${row.join('\t')}\n`).join('')))
}

/** A machine with its driver, or why it cannot be used (bad config, driver not installed). */
async function openEntry(app: App, entry: MachineEntry): Promise<OpenMachine | UnopenedMachine> {
  if (entry.config === undefined) return {name: entry.name, error: entry.error}
  try {
    return await openStoredMachine(app, entry.config)
  } catch (error) {
    if (error instanceof NeedsFullCli) throw error
    return {name: entry.name, config: entry.config, error: errorMessage(error)}
  }
}

function filterItem({config}: OpenMachine, state: string | undefined): {name: string; driver: string; state: string; labels: string[]; swarm: string} {
  return {name: config.name, driver: config.driver.name, state: state ?? '', labels: config.engine.labels, swarm: ''}
}

function rowFor(status: MachineStatus, active: boolean): ListRow {
  const activeHost = active && status.state === 'Running'
  return {
    Name: status.name,
    Active: activeHost ? '*' : '-',
    ActiveHost: activeHost,
    ActiveSwarm: false,
    DriverName: status.driver,
    State: status.state,
    URL: status.state === 'Running' ? status.url : '',
    Swarm: '',
    SwarmOptions: null,
    EngineOptions: null,
    Error: status.error ?? '',
    DockerVersion: status.engineVersion === undefined ? 'Unknown' : `v${status.engineVersion}`,
    ResponseTime: formatGoDuration(Math.round(status.responseMs)),
  }
}

/** A machine whose answer is awaited: what the store knows, and a mark where its state and engine version will be. */
function pendingRow({config}: OpenMachine): ListRow {
  return {
    Name: config.name,
    Active: '-',
    ActiveHost: false,
    ActiveSwarm: false,
    DriverName: config.driver.name,
    State: PENDING,
    URL: config.endpoint?.url ?? '',
    Swarm: '',
    SwarmOptions: null,
    EngineOptions: null,
    Error: '',
    DockerVersion: PENDING,
    ResponseTime: '0s',
  }
}

const PENDING = '…'

function brokenRow(entry: UnopenedMachine): ListRow {
  return {
    Name: entry.name,
    Active: '-',
    ActiveHost: false,
    ActiveSwarm: false,
    DriverName: 'not found',
    State: 'Error',
    URL: '',
    Swarm: '',
    SwarmOptions: null,
    EngineOptions: null,
    Error: entry.error,
    DockerVersion: 'Unknown',
    ResponseTime: '0s',
  }
}
