import {BerthError} from '../errors.js'
import type {RemoteSession} from '../ssh/session.js'
import {shellQuote} from '../ssh/shell-quote.js'
import {ENGINE_CONFIG_PATH, REMOTE_TLS, type InitSystem} from './engine-config.js'
import {parseOsRelease, type OsRelease} from './os-release.js'
import {renderTemplate} from './templates.js'

/** What the provisioner knows about a host after one round trip. */
export interface HostFacts {
  hostname: string
  init: InitSystem
  /** Paths of the tools on the host's PATH (as root), or undefined when missing. */
  dockerd?: string
  curl?: string
  wget?: string
  dockerdRunning: boolean
  /** sha256 of each file berth manages that exists on the host, by path. */
  fileHashes: ReadonlyMap<string, string>
  /** Managed files changed after the running dockerd started (so not in effect); absent when none or unknown. */
  newerThanEngine?: ReadonlySet<string>
  osRelease: OsRelease
}

const MARKER = '--- os-release ---'

/** The files whose content decides whether configuration must be written again. */
export const MANAGED_FILES = [REMOTE_TLS.ca, REMOTE_TLS.cert, REMOTE_TLS.key, ...Object.values(ENGINE_CONFIG_PATH)]

export async function gatherHostFacts(session: RemoteSession, signal?: AbortSignal): Promise<HostFacts> {
  const script = await renderTemplate('provision/facts.sh', {files: MANAGED_FILES.map(shellQuote).join(' ')})
  const result = await session.exec(script, {sudo: true, ...(signal ? {signal} : {})})
  if (result.code !== 0) throw new BerthError(`Could not read the host's facts (exit ${result.code}): ${lastLine(result.stderr)}`)
  return parseHostFacts(result.stdout)
}

export function parseHostFacts(output: string): HostFacts {
  const [head = '', osText = ''] = output.split(`${MARKER}\n`)
  const values = new Map<string, string>()
  const fileHashes = new Map<string, string>()
  const newerThanEngine = new Set<string>()
  for (const line of head.split('\n')) {
    const index = line.indexOf('=')
    if (index < 0) continue
    const key = line.slice(0, index)
    const value = line.slice(index + 1).trim()
    if (key.startsWith('file:')) fileHashes.set(key.slice('file:'.length), value)
    else if (key.startsWith('newer_than_engine:')) newerThanEngine.add(key.slice('newer_than_engine:'.length))
    else values.set(key, value)
  }
  const init = values.get('init')
  if (init !== 'systemd' && init !== 'sysvinit' && init !== 'openrc') {
    throw new BerthError('The host has no init system berth can manage the engine with (systemd, sysvinit or OpenRC).')
  }
  const optional = (key: string): {[k: string]: string} => (values.get(key) ? {[key]: values.get(key)!} : {})
  return {
    hostname: values.get('hostname') ?? '',
    init,
    ...optional('dockerd'),
    ...optional('curl'),
    ...optional('wget'),
    dockerdRunning: values.get('dockerd_running') === 'yes',
    fileHashes,
    ...(newerThanEngine.size > 0 ? {newerThanEngine} : {}),
    osRelease: parseOsRelease(osText),
  }
}

export function lastLine(text: string): string {
  return text.trim().split('\n').at(-1) ?? ''
}
