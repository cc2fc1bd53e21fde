import {open} from 'node:fs/promises'
import {join} from 'node:path'
import {cgroupHierarchies, createHostCgroups, hostCgroupDir} from './cgroups.js'
import {fitEngineToLimits, hideEngine} from './engine.js'
import {startHolder} from './holder.js'
import {NamespaceHost, type HostSpec} from './host.js'
import {personalise} from './identity.js'
import {generateKeyPair} from './keys.js'
import type {HostLayout} from './layout.js'
import {createHostLink} from './network.js'
import type {ProcessIdentity} from './processes.js'
import {writeRecord, type HostRecord} from './record.js'
import {discardHost, reserveHost} from './registry.js'
import {buildRoot} from './rootfs.js'
import {prepareSystemd} from './systemd.js'
import type {HostOptions} from './types.js'
import {addSudoUser} from './users.js'

/** Create, build and boot one host; on any failure everything created so far is removed again. */
export async function createHost(name: string, options: HostOptions, owner: ProcessIdentity, onRemoved: () => void): Promise<NamespaceHost> {
  const hierarchies = await cgroupHierarchies()
  let record!: HostRecord
  const layout = await reserveHost((reserved) => {
    record = {name, owner, cgroups: hierarchies.map((hierarchy) => hostCgroupDir(hierarchy, reserved.cgroupLeaf))}
    return record
  })
  let host: NamespaceHost | undefined
  try {
    const clientKey = await generateKeyPair(layout.keyPath, `berth-testhost-${name}`)
    const spec: HostSpec = {
      name,
      init: options.init,
      user: options.user ?? 'root',
      startDocker: options.startDocker ?? false,
      delaySshMs: options.delaySshMs ?? 0,
      privateKey: clientKey.private,
    }
    host = new NamespaceHost(layout, spec, record, await open(layout.consoleLog, 'a'), onRemoved)
    await createHostCgroups(hierarchies, layout.cgroupLeaf)
    record.holder = await startHolder(layout, record.cgroups)
    await writeRecord(layout, record)
    await createHostLink(layout, record.holder.pid)
    await buildRoot(layout, record.holder.pid, hierarchies, name)
    await furnish(layout, record.holder.pid, spec, options, clientKey.public)
    await host.start()
    return host
  } catch (error) {
    try {
      await (host ? host.down() : discardHost(layout, record))
    } catch (cleanup) {
      throw new AggregateError([error, cleanup], `Host ${name} failed to come up, and could not be fully removed.`, {cause: cleanup})
    }
    throw error
  }
}

/** Everything inside the host's root that makes it a server of its own, as the options ask. */
async function furnish(layout: HostLayout, holderPid: number, spec: HostSpec, options: HostOptions, clientPublicKey: string): Promise<void> {
  // The host's root is mounted only in the holder's mount namespace, which /proc/PID/root leads into.
  const root = `/proc/${holderPid}/root${layout.root}`
  const hostKey = await generateKeyPair(join(layout.dir, 'ssh_host_ed25519_key'), `root@${spec.name}`)
  const authorizedKeys = [clientPublicKey, options.authorizedKey?.trim()].filter(Boolean).join('\n')
  await personalise(root, {hostname: spec.name, ip: layout.ip, authorizedKeys: `${authorizedKeys}\n`, hostKey})
  if (options.withoutDocker) await hideEngine(root)
  await fitEngineToLimits(root)
  if (spec.init === 'systemd') await prepareSystemd(root, {startDocker: spec.startDocker, sshAtBoot: spec.delaySshMs <= 0})
  if (spec.user !== 'root') await addSudoUser(holderPid, layout.root, spec.user)
}
