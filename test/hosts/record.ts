import {readFile, rename, writeFile} from 'node:fs/promises'
import type {HostLayout} from './layout.js'
import type {ProcessIdentity} from './processes.js'

/**
 * What a host has created on the machine, kept up to date on disk as it is created, so that whoever removes
 * the host (its pool, or a later run sweeping after a crash) finds every process and cgroup.
 */
export interface HostRecord {
  name: string
  /** The process whose pool owns the host; when it is gone, the host is a leftover. */
  owner: ProcessIdentity
  cgroups: string[]
  /** Holds the host's network, mount, UTS, IPC and cgroup namespaces across reboots. */
  holder?: ProcessIdentity
  /** The current boot: `unshare --pid --fork` and the host's PID 1 below it. */
  launcher?: ProcessIdentity
  init?: ProcessIdentity
}

export async function writeRecord(layout: HostLayout, record: HostRecord): Promise<void> {
  const temporary = `${layout.recordPath}.${process.pid}.tmp`
  await writeFile(temporary, `${JSON.stringify(record, null, 2)}\n`)
  await rename(temporary, layout.recordPath)
}

export async function readRecord(layout: HostLayout): Promise<HostRecord | undefined> {
  try {
    return JSON.parse(await readFile(layout.recordPath, 'utf8')) as HostRecord
  } catch {
    return undefined
  }
}
