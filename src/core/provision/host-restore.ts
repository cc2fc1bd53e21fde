import {createHash} from 'node:crypto'
import type {RemoteSession} from '../ssh/session.js'
import {shellQuote} from '../ssh/shell-quote.js'
import {REMOTE_TLS} from './engine-config.js'
import {ENGINE_CONFIG_PATHS, OPTION_FILES} from './init-systems.js'
import type {HostFacts} from './host-facts.js'
import {HOST_STATE_DIR, ORIGINALS_DIR, parseHostMarker} from './host-state.js'
import {withoutBerthPart} from './option-block.js'
import {runAsRoot} from './remote-script.js'
import {renderTemplate} from './templates.js'

/** What putting a host back did. */
interface RestoreReport {
  /** Files back as berth found them (or removed, when berth had added them). */
  restored: string[]
  /** Files someone changed since berth wrote them: only berth's part was taken out, the rest kept. */
  kept: string[]
}

type Decision = {path: string; action: 'restore' | 'remove'} | {path: string; action: 'write'; content: string; kept: boolean} | {path: string; action: 'leave'}

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex')

/**
 * Take berth's engine configuration off a host and put back what berth replaced (rm --clean-host): each file from
 * the original berth kept when it first changed it, or removed when berth added it. A file someone changed since
 * berth last wrote it keeps those changes: from an init script's option file only berth's part goes, from
 * daemon.json only the values berth added, and /etc/hostname and /etc/hosts stay as they are. A host provisioned
 * before berth kept originals loses berth's files and its part of the option file.
 */
export async function restoreHost(session: RemoteSession, facts: HostFacts, machineName: string, signal: AbortSignal): Promise<RestoreReport> {
  const marker = parseHostMarker(facts.engineConfig.marker)
  const daemonJson = facts.engineConfig.daemonJson.path
  const paths = [...new Set([...Object.values(REMOTE_TLS), ...ENGINE_CONFIG_PATHS, daemonJson, '/etc/hostname', '/etc/hosts'])]
  const kept = await readKept(session, paths, signal)
  const wrote = (path: string): boolean => marker?.files[path] !== undefined && marker.files[path] === hashOf(kept.current.get(path))
  const decisions = paths.map((path): Decision => {
    const current = kept.current.get(path)
    const original = kept.original.get(path)
    if (current === undefined && original === undefined) return {path, action: 'leave'}
    if (OPTION_FILES.includes(path)) {
      if (current === undefined) return {path, action: 'leave'}
      const own = withoutBerthPart(current)
      if (own === current) return {path, action: 'leave'}
      if (original === null || original === undefined) return own.trim() === '' ? {path, action: 'remove'} : {path, action: 'write', content: own, kept: true}
      return own === original ? {path, action: 'restore'} : {path, action: 'write', content: own, kept: true}
    }
    if (path === daemonJson) {
      if (wrote(path) || marker === undefined) return original === undefined ? {path, action: 'leave'} : original === null ? {path, action: 'remove'} : {path, action: 'restore'}
      return withoutAdditions(path, current, marker.daemonJson)
    }
    if (path === '/etc/hostname' || path === '/etc/hosts') {
      if (original === undefined) return {path, action: 'leave'}
      const berthSet = path === '/etc/hostname' ? current === `${machineName}\n` : current === hostsAsBerthSetsThem(original ?? '', machineName)
      return berthSet ? {path, action: original === null ? 'remove' : 'restore'} : {path, action: 'leave'}
    }
    // berth's own files: its drop-in and the TLS material.
    return original === undefined || original === null ? {path, action: current === undefined ? 'leave' : 'remove'} : {path, action: 'restore'}
  })
  for (const decision of decisions) {
    if (decision.action === 'write') await session.upload(decision.path, decision.content, {mode: 0o644, owner: 'root', group: 'root'})
  }
  const listed = (action: Decision['action']): string => decisions.filter((decision) => decision.action === action).map((decision) => shellQuote(decision.path)).join(' ')
  const hostnameRestored = decisions.some((decision) => decision.path === '/etc/hostname' && decision.action === 'restore')
  const output = await runAsRoot(session, await renderTemplate('provision/host-restore.sh', {
    originals: shellQuote(ORIGINALS_DIR),
    restore: listed('restore'),
    remove: listed('remove'),
    setHostname: hostnameRestored ? 'hostname "$(cat /etc/hostname)"' : '',
    dockerGroupUsers: (marker?.dockerGroup ?? []).map(shellQuote).join(' '),
    stateDir: shellQuote(HOST_STATE_DIR),
  }), signal)
  const done = output.split('\n').filter((line) => /^(restored|removed)=/.test(line)).map((line) => line.slice(line.indexOf('=') + 1))
  const written = decisions.filter((decision): decision is Extract<Decision, {action: 'write'}> => decision.action === 'write')
  return {restored: [...done, ...written.filter((decision) => !decision.kept).map((decision) => decision.path)], kept: written.filter((decision) => decision.kept).map((decision) => decision.path)}
}

/** The originals berth kept (null: the file did not exist) and the files now, by path. */
async function readKept(session: RemoteSession, paths: readonly string[], signal: AbortSignal): Promise<{original: Map<string, string | null>; current: Map<string, string>}> {
  const output = await runAsRoot(session, await renderTemplate('provision/host-originals.sh', {originals: shellQuote(ORIGINALS_DIR), paths: paths.map(shellQuote).join(' ')}), signal)
  const original = new Map<string, string | null>()
  const current = new Map<string, string>()
  for (const line of output.split('\n')) {
    const match = /^(original|absent|current):(\/[^=]*)=(.*)$/.exec(line)
    if (match === null) continue
    const [, kind, path, value] = match
    const text = Buffer.from(value!, 'base64').toString('utf8')
    if (kind === 'current') current.set(path!, text)
    else original.set(path!, kind === 'absent' ? null : text)
  }
  return {original, current}
}

const hashOf = (text: string | undefined): string | undefined => (text === undefined ? undefined : sha256(text))

/** daemon.json someone changed since berth wrote it: the values berth added come out, the rest stays. */
function withoutAdditions(path: string, current: string | undefined, additions: Readonly<Record<string, readonly string[]>>): Decision {
  if (current === undefined) return {path, action: 'leave'}
  let values: Record<string, unknown>
  try {
    values = JSON.parse(current) as Record<string, unknown>
  } catch {
    return {path, action: 'leave'}
  }
  let changed = false
  for (const [key, added] of Object.entries(additions)) {
    const list = values[key]
    if (!Array.isArray(list)) continue
    const left = list.filter((value) => !added.includes(value as string))
    changed ||= left.length !== list.length
    if (left.length > 0) values[key] = left
    else delete values[key]
  }
  return changed ? {path, action: 'write', content: `${JSON.stringify(values, null, 2)}\n`, kept: true} : {path, action: 'leave'}
}

/** /etc/hosts as set-hostname.sh leaves it, from what it was: the 127.0.1.1 line names the machine. */
function hostsAsBerthSetsThem(original: string, name: string): string {
  return /^127\.0\.1\.1[ \t]/m.test(original) ? original.replace(/^127\.0\.1\.1[ \t].*$/gm, `127.0.1.1 ${name}`) : `${original}127.0.1.1 ${name}\n`
}

