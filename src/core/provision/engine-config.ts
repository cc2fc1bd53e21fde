import {BerthError} from '../errors.js'
import {shellQuote} from '../ssh/shell-quote.js'
import type {EngineOptions} from '../store/schema.js'
import {renderTemplate} from './templates.js'

export type InitSystem = 'systemd' | 'sysvinit' | 'openrc'

/** Where the engine's TLS material lives on the host (what the daemon flags point at). */
export const REMOTE_TLS = {ca: '/etc/docker/ca.pem', cert: '/etc/docker/server.pem', key: '/etc/docker/server-key.pem'} as const

/** The file berth writes to configure dockerd, per init system. */
export const ENGINE_CONFIG_PATH: Readonly<Record<InitSystem, string>> = {
  systemd: '/etc/systemd/system/docker.service.d/10-berth.conf',
  sysvinit: '/etc/default/docker',
  openrc: '/etc/conf.d/docker',
}

const TEMPLATE: Readonly<Record<InitSystem, string>> = {
  systemd: 'engine/systemd-drop-in.conf',
  sysvinit: 'engine/sysvinit-default',
  openrc: 'engine/openrc-conf',
}

/** dockerd's flags: TLS on the network port, the unix socket, then what the user asked for. */
export function dockerdArgs(engine: EngineOptions): string[] {
  const args = [
    '-H', 'unix:///var/run/docker.sock',
    '-H', `tcp://0.0.0.0:${engine.port}`,
    '--tlsverify', '--tlscacert', REMOTE_TLS.ca, '--tlscert', REMOTE_TLS.cert, '--tlskey', REMOTE_TLS.key,
  ]
  for (const label of engine.labels) args.push('--label', label)
  for (const registry of engine.insecureRegistries) args.push('--insecure-registry', registry)
  for (const mirror of engine.registryMirrors) args.push('--registry-mirror', mirror)
  if (engine.storageDriver !== undefined) args.push('--storage-driver', engine.storageDriver)
  for (const opt of engine.opts) args.push(`--${opt}`)
  return args
}

/** The engine configuration file for this host: its path and content. */
export async function renderEngineConfig(init: InitSystem, dockerdPath: string, engine: EngineOptions): Promise<{path: string; content: string}> {
  const args = dockerdArgs(engine)
  const values: Record<string, string> = init === 'systemd'
    ? {
      // $ substitutes only on command lines: doubled there, literal in Environment=.
      execStart: [dockerdPath, ...args].map((word) => systemdWord(word.replace(/\$/g, '$$$$'))).join(' '),
      environment: engine.env.map((pair) => `Environment=${systemdWord(pair)}`).join('\n'),
    }
    : {
      dockerOpts: shellQuote(args.map((arg) => init === 'openrc' ? evalWord(splittableWord(arg, init)) : splittableWord(arg, init)).join(' ')),
      environment: engine.env.map((pair) => exportLine(pair)).join('\n'),
    }
  return {path: ENGINE_CONFIG_PATH[init], content: await renderTemplate(TEMPLATE[init], values)}
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
    if (code === 0) throw new BerthError(`The engine option ${JSON.stringify(word)} contains a NUL byte, which no command line can hold.`)
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
      hint: 'Use a value without spaces or * ? [ ], or a host with systemd.',
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
