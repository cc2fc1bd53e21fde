import {BerthError} from '../errors.js'
import {prose, run} from '../fix.js'
import type {PackageManager} from './package-managers.js'

/** The host's package index could not be refreshed: berth cannot tell whether a newer engine exists, and changes nothing. */
export class PackageSourcesError extends BerthError {
  override readonly name = 'PackageSourcesError'
  constructor(readonly machine: string, manager: PackageManager, readonly line: string) {
    super(`The package sources of "${machine}" could not be refreshed (${manager.refresh}): ${line}`, {
      code: 'package-sources',
      data: {machine},
      hint: prose`berth cannot tell whether a newer engine exists, so it changed nothing. Fix the host's package sources (${manager.sources}) or its network, then run ${run('upgrade', machine)} again.`,
    })
  }
}
