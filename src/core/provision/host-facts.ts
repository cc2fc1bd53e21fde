import {BerthError} from '../errors.js'
import type {RemoteSession} from '../ssh/session.js'
import {shellQuote} from '../ssh/shell-quote.js'
import {DAEMON_JSON_PATH, DOCKER_MACHINE_DROP_IN, REMOTE_TLS} from './engine-config.js'
import {ENGINE_CONFIG_PATHS, isInitSystem, OPTION_FILES, type InitSystem} from './init-systems.js'
import {HOST_MARKER} from './host-state.js'
import {parseOsRelease, type OsRelease} from './os-release.js'
import {hostReadFailed, runAsRoot} from './remote-script.js'
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
  /** The engine's group (docker), when the host has one: whether the user berth logs in as is in it. */
  dockerGroup?: {hasLoginUser: boolean}
  /** sha256 of each file berth manages that exists on the host, by path. */
  fileHashes: ReadonlyMap<string, string>
  /** Managed files changed after the running dockerd started (so not in effect); absent when none or unknown. */
  newerThanEngine?: ReadonlySet<string>
  osRelease: OsRelease
  /** The engine's present configuration, as read before berth changes anything. */
  engineConfig: PresentEngineConfig
}

/** What configures the host's engine now, as files and command lines (interpreted by engine-present.ts). */
export interface PresentEngineConfig {
  /** The running dockerd, when one runs: its pid and its arguments after the program name. */
  running?: {pid: number; args: string[]}
  daemonJson: {path: string; text?: string}
  /** `systemctl cat docker.service`, on systemd hosts that have the unit. */
  unit?: string
  /** The unit's environment files and the init scripts' option files, by path. */
  texts: ReadonlyMap<string, string>
  /** DOCKER_OPTS as each init script option file sets it, without berth's part. */
  dockerOpts: ReadonlyMap<string, string>
  /** berth's marker (host-state.ts), when the host has one. */
  marker?: string
  /** The host's dockerd: its version line and the option lines of its --help. */
  dockerd?: {version: string; options: string}
}

const MARKER = '--- os-release ---'

/** The files whose content decides whether configuration must be written again. */
export const MANAGED_FILES = [REMOTE_TLS.ca, REMOTE_TLS.cert, REMOTE_TLS.key, ...ENGINE_CONFIG_PATHS, DAEMON_JSON_PATH, DOCKER_MACHINE_DROP_IN]

export async function gatherHostFacts(session: RemoteSession, signal?: AbortSignal): Promise<HostFacts> {
  const script = await renderTemplate('provision/facts.sh', {
    files: MANAGED_FILES.map(shellQuote).join(' '),
    optionFiles: OPTION_FILES.map(shellQuote).join(' '),
    marker: shellQuote(HOST_MARKER),
    user: shellQuote(session.user),
  })
  return parseHostFacts(await runAsRoot(session, script, signal, {failure: (code, line) => hostReadFailed('facts', code, line)}))
}

export function parseHostFacts(output: string): HostFacts {
  const [head = '', osText = ''] = output.split(`${MARKER}\n`)
  const values = new Map<string, string>()
  const fileHashes = new Map<string, string>()
  const newerThanEngine = new Set<string>()
  const texts = new Map<string, string>()
  const dockerOpts = new Map<string, string>()
  for (const line of head.split('\n')) {
    const index = line.indexOf('=')
    if (index < 0) continue
    const key = line.slice(0, index)
    const value = line.slice(index + 1).trim()
    if (key.startsWith('file:')) fileHashes.set(key.slice('file:'.length), value)
    else if (key.startsWith('newer_than_engine:')) newerThanEngine.add(key.slice('newer_than_engine:'.length))
    else if (key.startsWith('text:')) texts.set(key.slice('text:'.length), decode(value))
    else if (key.startsWith('docker_opts:')) dockerOpts.set(key.slice('docker_opts:'.length), decode(value))
    else values.set(key, value)
  }
  const init = values.get('init')
  if (!isInitSystem(init)) {
    throw new BerthError('The host has no init system berth can manage the engine with (systemd, sysvinit or OpenRC).', {code: 'init-system-unsupported'})
  }
  const optional = (key: string): {[k: string]: string} => (values.get(key) ? {[key]: values.get(key)!} : {})
  return {
    hostname: values.get('hostname') ?? '',
    init,
    ...optional('dockerd'),
    ...optional('curl'),
    ...optional('wget'),
    dockerdRunning: values.get('dockerd_running') === 'yes',
    ...(values.get('docker_group') === 'yes' ? {dockerGroup: {hasLoginUser: (values.get('login_groups') ?? '').split(/\s+/).includes('docker')}} : {}),
    fileHashes,
    ...(newerThanEngine.size > 0 ? {newerThanEngine} : {}),
    osRelease: parseOsRelease(osText),
    engineConfig: presentEngineConfig(values, texts, dockerOpts),
  }
}

function presentEngineConfig(values: ReadonlyMap<string, string>, texts: ReadonlyMap<string, string>, dockerOpts: ReadonlyMap<string, string>): PresentEngineConfig {
  const pid = Number(values.get('engine_pid'))
  const cmdline = values.get('engine_cmdline')
  const text = (key: string): string | undefined => (values.has(key) ? decode(values.get(key)!) : undefined)
  const daemonJson = text('daemon_json')
  const unit = text('unit')
  const marker = text('marker')
  const options = text('dockerd_options')
  return {
    ...(Number.isInteger(pid) && pid > 0 && cmdline !== undefined ? {running: {pid, args: decode(cmdline).split('\0').filter(Boolean).slice(1)}} : {}),
    daemonJson: {path: values.get('daemon_json_path') || DAEMON_JSON_PATH, ...(daemonJson === undefined ? {} : {text: daemonJson})},
    ...(unit === undefined ? {} : {unit}),
    texts,
    dockerOpts,
    ...(marker === undefined ? {} : {marker}),
    ...(options === undefined ? {} : {dockerd: {version: values.get('dockerd_version') ?? '', options}}),
  }
}

const decode = (base64: string): string => Buffer.from(base64, 'base64').toString('utf8')
