import type {RemoteSession} from '../ssh/session.js'
import {hostReadFailed, runAsRoot} from './remote-script.js'
import {renderTemplate} from './templates.js'

/** The engine's binary on the host, and what the running engine was started from. */
export interface EngineBinary {
  /** sha256 of dockerd on the PATH; undefined when there is none. */
  installed?: string
  /** What `dockerd --version` says of it ("20.10.24+dfsg1"). */
  installedVersion?: string
  /** The running dockerd's process id; undefined when the engine does not run. */
  pid?: string
  /** sha256 of the file the running dockerd was started from (its old content when a package replaced it since). */
  running?: string
}

export async function readEngineBinary(session: RemoteSession, signal: AbortSignal): Promise<EngineBinary> {
  const output = await runAsRoot(session, await renderTemplate('provision/engine-binary.sh', {}), signal, {failure: (code, line) => hostReadFailed('engine-binary', code, line)})
  return parseEngineBinary(output)
}

export function parseEngineBinary(output: string): EngineBinary {
  const values = new Map<string, string>()
  for (const line of output.split('\n')) {
    const index = line.indexOf('=')
    if (index > 0 && line.slice(index + 1).trim() !== '') values.set(line.slice(0, index), line.slice(index + 1).trim())
  }
  const version = /^Docker version ([^,\s]+)/.exec(values.get('version') ?? '')?.[1]
  const field = <K extends keyof EngineBinary>(key: K, value: string | undefined): Partial<EngineBinary> => (value === undefined ? {} : {[key]: value})
  return {...field('installed', values.get('installed')), ...field('installedVersion', version), ...field('pid', values.get('pid')), ...field('running', values.get('running'))}
}

/** Whether the engine runs, but from another binary than the one installed now: then only a restart runs the new one. */
export function runsOutdatedBinary(binary: EngineBinary): boolean {
  return binary.running !== undefined && binary.installed !== undefined && binary.running !== binary.installed
}
