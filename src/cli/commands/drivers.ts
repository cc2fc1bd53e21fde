import {renderTable} from '../../core/listing/tabwriter.js'
import type {App} from '../app.js'
import {spellProse} from '../error-wording.js'
import {jsonFlag, printJson} from '../json-output.js'
import type {CommandSpec, ParsedInput} from '../spec.js'

export const spec: CommandSpec = {
  summary: 'List the drivers berth can use, where each comes from, and whether it works here.',
  examples: ['<%= config.bin %> drivers', '<%= config.bin %> drivers --json'],
  flags: {
    ...jsonFlag,
  },
  args: [],
}

export async function run(app: App, {flags}: ParsedInput): Promise<void> {
  const reports = (await app.registry.report()).map((report) => (report.health.fix === undefined ? report : {...report, health: {...report.health, fix: spellProse(report.health.fix, app.personality)}}))
  if (flags.json === true) {
    printJson(app, reports)
    return
  }
  const rows = reports.map((report) => [
    report.name,
    report.source,
    report.health.healthy ? 'healthy' : report.health.installed ? 'unhealthy' : 'not installed',
    [report.health.problem === undefined ? undefined : sentence(report.health.problem), report.health.fix === undefined ? undefined : spellProse(report.health.fix, app.personality)].filter(Boolean).join(' ') || (report.health.detail ?? ''),
  ])
  app.terminal.out(renderTable([['NAME', 'SOURCE', 'HEALTH', 'PROBLEM / FIX'], ...rows]))
}

/** The problem and its fix share one cell: the problem needs its full stop, or the two read as one sentence. */
function sentence(text: string): string {
  return /[.!?]$/.test(text) ? text : `${text}.`
}
