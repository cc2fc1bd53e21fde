import {mountsUnder} from '../harness/mounts.js'
import {killCgroupMembers, removeCgroupDirs} from './cgroups.js'
import type {HostLayout} from './layout.js'
import {removeHostLink} from './network.js'
import {waitForExit} from '../harness/processes.js'
import {isAlive, killIdentified} from './processes.js'
import type {HostRecord} from './record.js'

/**
 * Remove everything a host runs and holds on the machine except its state directory: the holder first (so
 * nothing can boot the host again), then PID 1 (which takes its whole PID namespace, containers included),
 * then whatever else is in the host's cgroups, the cgroups, and the veth. Returns what could not be removed.
 */
export async function stopHost(layout: HostLayout, record: HostRecord | undefined): Promise<string[]> {
  const problems: string[] = []
  const survivors = await killIdentified([record?.holder, record?.init])
  // The launcher reaps PID 1 and then ends itself; killing it first would leave PID 1 a zombie of the
  // machine's init, which may take its time to reap it.
  if (record?.launcher && (await isAlive(record.launcher))) await waitForExit([record.launcher.pid], 5_000)
  survivors.push(...await killIdentified([record?.launcher]))
  if (survivors.length > 0) problems.push(`processes ${survivors.join(', ')} survived SIGKILL`)
  const cgroups = record?.cgroups ?? []
  const stuck = await killCgroupMembers(cgroups)
  if (stuck.length > 0) problems.push(`processes ${stuck.join(', ')} in its cgroups survived SIGKILL`)
  const left = await removeCgroupDirs(cgroups)
  if (left.length > 0) problems.push(`cgroups ${left.join(', ')} could not be removed`)
  if (!(await removeHostLink(layout))) problems.push(`the link ${layout.veth} could not be removed`)
  // The host's mounts live only in its own namespaces; one here would mean the dir must not be deleted.
  const mounted = await mountsUnder(layout.dir)
  if (mounted.length > 0) problems.push(`${mounted.join(', ')} still mounted`)
  return problems
}
