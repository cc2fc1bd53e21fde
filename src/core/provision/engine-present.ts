import {DOCKER_MACHINE_DROP_IN} from './engine-config.js'
import {parseDockerdArgs, parseDockerdHelp, type DockerdArg, type DockerdOptionTable} from './dockerd-options.js'
import {INIT_SYSTEMS, type InitSystem} from './init-systems.js'
import type {PresentEngineConfig} from './host-facts.js'
import {withoutBerthPart} from './option-block.js'
import {environmentAssignments, execStartWords, parseEnvironmentFile, parseSystemctlCat, serviceStart} from './systemd-unit.js'

/** The engine's configuration as it stands before berth changes anything, read into what berth decides with. */
export interface PresentEngine {
  /** The host's dockerd options, when dockerd is installed. */
  options?: DockerdOptionTable
  dockerdVersion?: string
  daemonJson: DaemonJson
  /** How the service starts dockerd without berth's part: the user's own arguments, and where they are set. */
  service: ServiceArgs
  /** systemd: the ExecStart= berth's drop-in builds on (the unit's own, with the user's drop-ins before berth's). */
  baseExecStart?: string
  /** systemd: drop-ins after berth's that set ExecStart=, so berth's would not take effect. */
  overriding: string[]
  /** sysvinit/OpenRC: the option file's text without berth's part. */
  optionFileText?: string
  /** The running dockerd's arguments, when it runs. */
  running?: {pid: number; args: string[]}
}

type DaemonJson = {path: string; values: Record<string, unknown>; text?: string} | {path: string; error: string; text: string}

interface ServiceArgs {
  args: DockerdArg[]
  /** Where they come from, for messages: "docker.service's ExecStart=", "DOCKER_OPTS in /etc/default/docker". */
  source: string
}

/**
 * The engine's configuration as berth decides with it. Taking over a host Docker Machine set up, its configuration
 * (the 10-machine.conf drop-in, or DOCKER_OPTS in the option file) is left out: berth's replaces it.
 */
export function interpretEngine(config: PresentEngineConfig, init: InitSystem, takeOver = false): PresentEngine {
  const options = config.dockerd === undefined ? undefined : parseDockerdHelp(config.dockerd.options)
  const table = options ?? new Map()
  const common = {
    ...(options === undefined ? {} : {options, dockerdVersion: config.dockerd!.version}),
    daemonJson: readDaemonJson(config.daemonJson),
    ...(config.running === undefined ? {} : {running: config.running}),
  }
  if (INIT_SYSTEMS[init].config === 'drop-in') {
    const files = parseSystemctlCat(config.unit ?? '').filter((file) => !takeOver || file.path !== DOCKER_MACHINE_DROP_IN)
    const start = serviceStart(files, INIT_SYSTEMS.systemd.configPath)
    const environment = new Map<string, string>(environmentAssignments(start.environment))
    for (const file of start.environmentFiles) {
      const text = config.texts.get(file.replace(/^-/, ''))
      if (text !== undefined) for (const [name, value] of parseEnvironmentFile(text)) environment.set(name, value)
    }
    const words = start.execStart === undefined ? [] : execStartWords(start.execStart, environment).slice(1)
    return {
      ...common,
      service: {args: parseDockerdArgs(words, table), source: 'the ExecStart= of docker.service'},
      ...(start.execStart === undefined ? {} : {baseExecStart: start.execStart}),
      overriding: start.overriding,
    }
  }
  const path = INIT_SYSTEMS[init].configPath
  const text = config.texts.get(path)
  const opts = takeOver ? '' : config.dockerOpts.get(path) ?? ''
  return {
    ...common,
    service: {args: parseDockerdArgs(opts.split(/\s+/).filter(Boolean), table), source: `DOCKER_OPTS in ${path}`},
    overriding: [],
    optionFileText: text === undefined ? '' : takeOver ? withoutDockerOpts(withoutBerthPart(text)) : withoutBerthPart(text),
  }
}

function readDaemonJson({path, text}: PresentEngineConfig['daemonJson']): DaemonJson {
  if (text === undefined || text.trim() === '') return {path, values: {}, ...(text === undefined ? {} : {text})}
  try {
    const values = JSON.parse(text) as unknown
    if (values === null || typeof values !== 'object' || Array.isArray(values)) return {path, error: 'it is not a JSON object', text}
    return {path, values: values as Record<string, unknown>, text}
  } catch (error) {
    return {path, error: `it is not valid JSON (${(error as Error).message})`, text}
  }
}

/** An option file without its DOCKER_OPTS assignments (Docker Machine's spans lines inside single quotes). */
function withoutDockerOpts(text: string): string {
  const kept: string[] = []
  let open = false
  for (const line of text.split('\n')) {
    const quotes = (line.match(/'/g) ?? []).length
    if (open) {
      if (quotes % 2 === 1) open = false
      continue
    }
    if (/^\s*(export\s+)?DOCKER_OPTS=/.test(line)) {
      open = quotes % 2 === 1
      continue
    }
    kept.push(line)
  }
  return kept.join('\n')
}
