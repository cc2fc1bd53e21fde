import {BerthError} from '../errors.js'
import {shellQuote} from '../ssh/shell-quote.js'
import type {EngineOptions} from '../store/schema.js'
import {INIT_SYSTEMS, type InitSystem} from './init-systems.js'
import {OPTION_BLOCK_END, OPTION_BLOCK_START} from './option-block.js'
import {renderTemplate} from './templates.js'

/** Where the engine's TLS material lives on the host (what the daemon flags point at). */
export const REMOTE_TLS = {ca: '/etc/docker/ca.pem', cert: '/etc/docker/server.pem', key: '/etc/docker/server-key.pem'} as const

export const DAEMON_JSON_PATH = '/etc/docker/daemon.json'

/** The drop-in Docker Machine configured dockerd with on systemd hosts; berth's replaces it when it takes a host over. */
export const DOCKER_MACHINE_DROP_IN = '/etc/systemd/system/docker.service.d/10-machine.conf'

/** dockerd's unix socket, where every engine serves the docker CLI on the host itself. */
export const ENGINE_SOCKET = 'unix:///var/run/docker.sock'

/** dockerd's flags for an engine with nothing configured before berth: the unix socket, TLS on the network port, then what the user asked for. */
export function dockerdArgs(engine: EngineOptions): string[] {
  return ['-H', ENGINE_SOCKET, ...berthDockerdArgs(engine)]
}

/** What berth adds to the way the host starts dockerd: TLS on the network port, labels, registries, the storage driver, the user's options. */
export function berthDockerdArgs(engine: EngineOptions, except: {labels?: readonly string[]; insecureRegistries?: readonly string[]; registryMirrors?: readonly string[]; storageDriver?: boolean; opts?: readonly string[]} = {}): string[] {
  const args = [
    '-H', `tcp://0.0.0.0:${engine.port}`,
    '--tlsverify', '--tlscacert', REMOTE_TLS.ca, '--tlscert', REMOTE_TLS.cert, '--tlskey', REMOTE_TLS.key,
  ]
  const keep = (values: readonly string[], left: readonly string[] = []): string[] => values.filter((value) => !left.includes(value))
  for (const label of keep(engine.labels, except.labels)) args.push('--label', label)
  for (const registry of keep(engine.insecureRegistries, except.insecureRegistries)) args.push('--insecure-registry', registry)
  for (const mirror of keep(engine.registryMirrors, except.registryMirrors)) args.push('--registry-mirror', mirror)
  if (engine.storageDriver !== undefined && except.storageDriver !== true) args.push('--storage-driver', engine.storageDriver)
  for (const opt of keep(engine.opts, except.opts)) args.push(`--${opt}`)
  return args
}

/** How berth's part builds on what starts dockerd now: systemd's ExecStart= without berth, or an option file without berth's part. */
export interface EngineConfigBase {
  /** systemd: the ExecStart= line berth's drop-in extends; undefined starts dockerdPath with the full arguments. */
  execStart?: string
  /** sysvinit/OpenRC: the option file's own text, which berth's part follows. */
  optionFileText?: string
}

/**
 * The engine configuration file for this host: its path and content. systemd gets a drop-in whose ExecStart= is
 * the service's own (so its options, $DOCKER_OPTS and socket activation stay) followed by berth's arguments; the
 * init scripts' option file keeps the user's lines and gains berth's part, which adds to DOCKER_OPTS.
 */
export async function renderEngineConfig(init: InitSystem, dockerdPath: string, engine: EngineOptions, args: readonly string[], base: EngineConfigBase = {}): Promise<{path: string; content: string}> {
  const way = INIT_SYSTEMS[init]
  if (way.config === 'drop-in') {
    // $ substitutes only on command lines: doubled there, literal in Environment=.
    const words = (base.execStart === undefined ? [dockerdPath, ...args] : args).map((word) => systemdWord(word.replace(/\$/g, '$$$$')))
    const execStart = base.execStart === undefined ? words.join(' ') : [base.execStart, ...words].join(' ')
    const environment = engine.env.map((pair) => `Environment=${systemdWord(pair)}`).join('\n')
    return {path: way.configPath, content: await renderTemplate(way.configTemplate, {execStart, environment})}
  }
  const block = await renderTemplate(way.configTemplate, {
    start: OPTION_BLOCK_START,
    end: OPTION_BLOCK_END,
    dockerOpts: shellQuote(args.map((arg) => way.evaluatesOptions ? evalWord(splittableWord(arg, init)) : splittableWord(arg, init)).join(' ')),
    environment: engine.env.map((pair) => exportLine(pair)).join('\n'),
  })
  const own = base.optionFileText ?? ''
  return {path: way.configPath, content: own.trim() === '' ? block : `${own.replace(/\n*$/, '\n')}${block}`}
}

/**
 * One word of a systemd command line or assignment: quoted when needed; % doubled so systemd keeps it; control
 * characters C-escaped, as a raw newline would end the setting's line.
 */
function systemdWord(word: string): string {
  const escaped = word.replace(/%/g, '%%')
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(escaped)) return escaped
  let quoted = ''
  for (const char of escaped.replace(/\\/g, '\\\\').replace(/"/g, '\\"')) {
    const code = char.charCodeAt(0)
    if (code === 0) throw new BerthError(`The engine option ${JSON.stringify(word)} contains a NUL byte, which no command line can hold.`, {code: 'engine-option-unpassable', data: {option: word}})
    quoted += code < 0x20 || code === 0x7f ? `\\x${code.toString(16).padStart(2, '0')}` : char
  }
  return `"${quoted}"`
}

/**
 * The init scripts expand $DOCKER_OPTS unquoted: words split on whitespace and globs expand. A value that
 * would not survive that cannot be passed this way, so it is refused rather than silently mangled.
 */
function splittableWord(word: string, init: InitSystem): string {
  if (word === '' || /[\s*?[\]]/.test(word)) {
    throw new BerthError(`The engine option ${JSON.stringify(word)} is empty or contains whitespace or a glob character, which the ${init} init script cannot pass to dockerd.`, {
      code: 'engine-option-unpassable',
      data: {option: word, init},
    })
  }
  return word
}

/**
 * OpenRC starts the daemon with `eval supervise-daemon ... -- $command_args`, and Alpine's init script puts
 * DOCKER_OPTS in command_args: after splitting, each word is parsed by the shell once more, so it is quoted for that.
 */
function evalWord(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : shellQuote(word)
}

function exportLine(pair: string): string {
  const index = pair.indexOf('=')
  return `export ${pair.slice(0, index)}=${shellQuote(pair.slice(index + 1))}`
}
