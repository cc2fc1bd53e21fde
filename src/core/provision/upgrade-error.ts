import {BerthError} from '../errors.js'
import {run} from '../fix.js'
import type {PackageManager} from './package-managers.js'

/** The host's package index could not be refreshed: berth cannot tell whether a newer engine exists, and changes nothing. */
export class PackageSourcesError extends BerthError {
  override readonly name = 'PackageSourcesError'
  constructor(readonly machine: string, manager: PackageManager, readonly line: string) {
    super(`The package sources of "${machine}" could not be refreshed (${manager.refresh}): ${line}`, {
      code: 'package-sources',
      data: {machine, refresh: manager.refresh, sources: manager.sources, line},
      fixes: [run('upgrade', machine)],
    })
  }
}
