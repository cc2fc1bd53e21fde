import type {EngineTls} from '../engine/engine-client.js'
import {errorMessage} from '../errors.js'

/**
 * Whether a container the engine stops as it restarts is started again by it: `always` and `unless-stopped` are;
 * `on-failure` only when the container ended with a non-zero status (a process killed at the stop timeout has one, a
 * process that exits 0 on SIGTERM does not); `no` never.
 */
type ComesBack = 'yes' | 'no' | 'if-it-failed'

export interface RunningContainer {
  id: string
  name: string
  image: string
  /** The restart policy's name as the engine reports it ("" and "no" both mean none). */
  restartPolicy: string
  comesBack: ComesBack
}

/** What restarting a machine's engine does to what runs on it. */
export interface ContainerReport {
  containers: RunningContainer[]
  /** Set when the engine has live-restore on: containers then keep running while it restarts, within one release. */
  liveRestore?: {
    /** Whether the engine stays within one release (20.10.x → 20.10.y), across which live-restore is supported. */
    sameRelease: boolean | undefined
  }
  /** Why the engine could not be asked, when it could not: the report then knows nothing. */
  unknown?: string
}

const COMES_BACK: Readonly<Record<string, ComesBack>> = {'always': 'yes', 'unless-stopped': 'yes', 'on-failure': 'if-it-failed'}

/** The running containers with their restart policies, over TLS. */
export async function runningContainers(url: string, tls: EngineTls, signal: AbortSignal): Promise<RunningContainer[]> {
  const {engineGetJson} = await import('../engine/engine-client.js')
  const options = {signal, timeoutMs: 10_000}
  const listed = await engineGetJson(url, tls, '/containers/json', options)
  const ids = (Array.isArray(listed) ? listed as Array<{Id?: unknown}> : []).flatMap((entry) => (typeof entry.Id === 'string' ? [entry.Id] : []))
  return Promise.all(ids.map(async (id) => {
    const inspected = await engineGetJson(url, tls, `/containers/${encodeURIComponent(id)}/json`, options) as {Name?: string; Config?: {Image?: string}; HostConfig?: {RestartPolicy?: {Name?: string}}}
    const restartPolicy = inspected.HostConfig?.RestartPolicy?.Name ?? ''
    return {
      id,
      name: (inspected.Name ?? id.slice(0, 12)).replace(/^\//, ''),
      image: inspected.Config?.Image ?? '',
      restartPolicy,
      comesBack: COMES_BACK[restartPolicy] ?? 'no',
    }
  }))
}

/**
 * What a restart of the engine from one version to another does to the running containers. A failure to ask is
 * part of the report, not an error: the question before the restart says so instead.
 */
export async function containerReport(url: string, tls: EngineTls, versions: {from?: string | undefined; to?: string | undefined}, signal: AbortSignal): Promise<ContainerReport> {
  try {
    const {engineGetJson} = await import('../engine/engine-client.js')
    const [containers, info] = await Promise.all([runningContainers(url, tls, signal), engineGetJson(url, tls, '/info', {signal, timeoutMs: 10_000})])
    if ((info as {LiveRestoreEnabled?: unknown}).LiveRestoreEnabled !== true) return {containers}
    return {containers, liveRestore: {sameRelease: sameRelease(versions.from, versions.to)}}
  } catch (error) {
    if (signal.aborted) throw error
    return {containers: [], unknown: errorMessage(error)}
  }
}

/** Docker supports live-restore across patch releases only (YY.MM.x); undefined when a version is unknown. */
function sameRelease(from: string | undefined, to: string | undefined): boolean | undefined {
  const release = (version: string | undefined): string | undefined => (version === undefined ? undefined : /^(\d+\.\d+)\./.exec(version)?.[1])
  const [a, b] = [release(from), release(to)]
  return a === undefined || b === undefined ? undefined : a === b
}
