import {readFile} from 'node:fs/promises'
import {BerthError, errorMessage} from '../errors.js'
import {writeFileAtomic} from './files.js'
import type {StoreLayout} from './layout.js'
import {withLock} from './lock.js'
import type {ResourceRecord} from './schema.js'
import {storeProblem} from './store-problem.js'

/**
 * A resource of a machine berth forgot (rm -f) although its driver could not remove the resource: it may still
 * exist, and cost money, until the user removes it. Kept with what the driver needs to try again.
 */
export interface Orphan {
  machine: string
  driver: string
  /** The machine's driver state at the time, so the driver can be loaded to remove or check the resource. */
  driverState: Record<string, unknown>
  resource: ResourceRecord
  /** What it is, in the cloud's words ("droplet", "EC2 instance"). */
  kind: string
  id: string
  region?: string
  /** The cloud's own command that removes it, when the driver knows one. */
  removeCommand?: string
  /** Why berth could not remove it. */
  reason: string
  forgottenAt: string
}

interface OrphansFile {
  version: 1
  orphans: Orphan[]
}

/** The store's record of orphans (orphans.json), read without a lock and changed under the store's orphans lock. */
export class OrphanRecord {
  constructor(readonly layout: StoreLayout) {}

  async list(): Promise<Orphan[]> {
    let text: string
    try {
      text = await readFile(this.layout.orphans, 'utf8')
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return []
      throw await storeProblem(this.layout, this.layout.orphans, error)
    }
    try {
      const parsed = JSON.parse(text) as Partial<OrphansFile>
      if (!Array.isArray(parsed.orphans)) throw new Error('"orphans" is not a list')
      return parsed.orphans
    } catch (error) {
      throw new BerthError(`${this.layout.orphans} is damaged (${errorMessage(error)}); it lists cloud resources berth could not remove.`, {
        code: 'store-unusable',
        hint: `Fix it by hand: it is JSON, {"version": 1, "orphans": [...]}. Do not delete it before the resources it names are removed.`,
      })
    }
  }

  async add(orphans: readonly Orphan[]): Promise<void> {
    if (orphans.length === 0) return
    await this.change((current) => [...current, ...orphans])
  }

  /** Drop the entries of these resources of this machine. */
  async forget(gone: readonly Orphan[]): Promise<void> {
    await this.change((current) => current.filter((orphan) => !gone.some((entry) => sameOrphan(entry, orphan))))
  }

  private async change(next: (current: Orphan[]) => Orphan[]): Promise<void> {
    await withLock(this.layout.orphansLock, async () => {
      const orphans = next(await this.list())
      const file: OrphansFile = {version: 1, orphans}
      await writeFileAtomic(this.layout.orphans, `${JSON.stringify(file, null, 2)}\n`)
    })
  }
}

function sameOrphan(a: Orphan, b: Orphan): boolean {
  return a.machine === b.machine && a.resource.kind === b.resource.kind && a.resource.id === b.resource.id
}

/** One line per orphan: "droplet 123 (region nyc3): doctl compute droplet delete 123 --force". */
export function describeOrphan(orphan: Orphan): string {
  const where = orphan.region === undefined ? '' : ` (region ${orphan.region})`
  const how = orphan.removeCommand ?? `remove it with the ${orphan.driver} driver's own tools`
  return `${orphan.kind} ${orphan.id}${where} of "${orphan.machine}": ${how}`
}
