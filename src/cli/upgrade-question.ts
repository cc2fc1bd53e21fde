import {alignColumns} from '../core/listing/tabwriter.js'
import type {ContainerReport, RunningContainer, UpgradeOffer} from '../core/upgrade/index.js'

/** What `berth upgrade` shows before it may restart an engine: the change, what it does to containers, the question. */
export interface UpgradeQuestion {
  /** Lines that say what would change and what runs (printed with -y too, as a record). */
  details: string
  /** The question, answered y or n (default n). */
  question: string
  /** The change in a few words, for the one line that refuses when nobody can answer. */
  action: string
}

const AFTER_RESTART: Readonly<Record<RunningContainer['comesBack'], string>> = {
  'yes': 'starts again',
  'no': 'stays stopped',
  'if-it-failed': 'starts again only if it ends with an error status',
}

export function upgradeQuestion(offer: UpgradeOffer): UpgradeQuestion {
  const {machine} = offer
  const where = `on "${machine}"`
  switch (offer.kind) {
    case 'packages': {
      const changes = offer.packages.map((entry) => `${entry.name} ${entry.installed} → ${entry.candidate}`).join(', ')
      const details = `Newer packages ${where} (${offer.manager}): ${changes}.\n${containerLines(offer.containers, machine)}`
      const names = offer.packages.map((entry) => entry.name).join(', ')
      // A new packaging of the same release (20.10.24+dfsg1-1+b6 → -1+b7) is named by its packages.
      const engine = offer.engine !== undefined && offer.engine.from !== offer.engine.to ? `Docker ${offer.engine.from} → ${offer.engine.to}` : undefined
      if (engine === undefined) {
        return {details, question: `Upgrade ${names} ${where}? The engine restarts if its binary changes. [y/N] `, action: `Upgrading ${names} ${where} may restart its engine`}
      }
      return {details, question: `Upgrade ${engine} ${where} and restart the engine? [y/N] `, action: `Upgrading ${engine} ${where} restarts its engine`}
    }
    case 'restart': {
      const target = offer.to === undefined ? 'the installed dockerd' : `the installed Docker ${offer.to}`
      const running = offer.from === undefined ? '' : ` (Docker ${offer.from})`
      const details = `Nothing newer is offered, but the engine ${where} still runs the dockerd it was started from${running}, which has been replaced since ` +
        `(a package upgraded without restarting it).\n${containerLines(offer.containers, machine)}`
      return {details, question: `Restart the engine ${where} to run ${target}? [y/N] `, action: `Restarting the engine ${where} to run ${target}`}
    }
    case 'script': {
      const details = `berth cannot tell whether ${offer.url} installs a newer engine than ${offer.from === undefined ? 'the one' : `Docker ${offer.from}`} ${where}: ` +
        'what an install script installs is only known once it ran (even the official script\'s --dry-run prints the commands it would run, not the versions).\n' +
        containerLines(offer.containers, machine)
      return {details, question: `Run ${offer.url} ${where}? The engine restarts if the script changes it. [y/N] `, action: `Running the install script ${where} may restart its engine`}
    }
  }
}

/** The running containers and whether each comes back, or why that is unknown. */
function containerLines(report: ContainerReport, machine: string): string {
  if (report.unknown !== undefined) return `berth could not ask the engine which containers run (${report.unknown}): a restart stops every running container.\n`
  const count = report.containers.length
  if (count === 0) return `No containers run on "${machine}".\n`
  const plural = count === 1 ? 'container' : 'containers'
  if (report.liveRestore?.sameRelease === true) {
    return `The engine has live-restore on: its ${count} running ${plural} keep running while it restarts (within one release).\n`
  }
  const rows = report.containers.map((container) => `  ${container.name}\t${container.image}\t${container.restartPolicy || 'no'}\t${AFTER_RESTART[container.comesBack]}`)
  const table = alignColumns(['  NAME\tIMAGE\tRESTART POLICY\tAFTER THE RESTART', ...rows].join('\n'))
  const liveRestore = report.liveRestore === undefined
    ? ''
    : `live-restore is on, but Docker keeps containers running across patch releases (YY.MM.x) only, ${report.liveRestore.sameRelease === false ? 'and this upgrade changes the release' : 'and berth cannot tell the new release beforehand'}.\n`
  return `${count} running ${plural} stop when the engine restarts:\n${table}\n${liveRestore}`
}
