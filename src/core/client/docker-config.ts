import {readFile, realpath, stat} from 'node:fs/promises'
import {homedir} from 'node:os'
import {join} from 'node:path'

import {BerthError, errorMessage} from '../errors.js'
import {FILE_MODE, writeFileAtomic} from '../store/files.js'

/** The docker CLI's configuration directory: $DOCKER_CONFIG, else ~/.docker (the CLI reads $HOME, then USERPROFILE). */
export function dockerConfigDir(env: NodeJS.ProcessEnv): string {
  if (env.DOCKER_CONFIG !== undefined && env.DOCKER_CONFIG !== '') return env.DOCKER_CONFIG
  const home = [env.HOME, env.USERPROFILE].find((value) => value !== undefined && value !== '') ?? homedir()
  return join(home, '.docker')
}

type ConfigObject = Record<string, unknown>

/** config.json as an object, or undefined when it does not exist. A file berth cannot parse is an error. */
export async function readDockerConfig(configDir: string): Promise<ConfigObject | undefined> {
  const path = join(configDir, 'config.json')
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (error) {
    if (isMissing(error)) return undefined
    throw new BerthError(`Cannot read the docker configuration ${path}: ${errorMessage(error)}`, {cause: error})
  }
  // The docker CLI accepts an empty file as an empty configuration.
  if (text.trim() === '') return {}
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch (error) {
    throw new BerthError(`The docker configuration ${path} is not valid JSON: ${errorMessage(error)}`, {
      hint: 'Fix or remove the file; berth will not overwrite it.',
      cause: error,
    })
  }
  if (!isObject(parsed)) throw new BerthError(`The docker configuration ${path} is not a JSON object.`, {hint: 'Fix or remove the file; berth will not overwrite it.'})
  return parsed
}

/** The context named in config.json, if any. An unreadable file counts as none: "active" must not fail `ls`. */
export async function configuredContext(configDir: string): Promise<string | undefined> {
  let config: ConfigObject | undefined
  try {
    config = await readDockerConfig(configDir)
  } catch {
    return undefined
  }
  const current = config?.currentContext
  return typeof current === 'string' && current !== '' ? current : undefined
}

/**
 * Set or clear "currentContext" in config.json, keeping every other key (the docker CLI itself drops keys it
 * does not know). The file is replaced atomically; a symlinked config.json has its target replaced instead,
 * so dotfile setups keep their link.
 */
export async function setConfiguredContext(configDir: string, name: string | undefined): Promise<void> {
  const config = await readDockerConfig(configDir)
  const next: ConfigObject = {...config}
  // The docker CLI also removes the key rather than writing "default".
  if (name === undefined || name === 'default') delete next.currentContext
  else next.currentContext = name
  if (next.currentContext === config?.currentContext) return
  const path = await realTarget(join(configDir, 'config.json'))
  const mode = config === undefined ? FILE_MODE : await fileMode(path)
  await writeFileAtomic(path, JSON.stringify(next, null, '\t'), mode)
}

async function realTarget(path: string): Promise<string> {
  try {
    return await realpath(path)
  } catch (error) {
    if (isMissing(error)) return path
    throw error
  }
}

async function fileMode(path: string): Promise<number> {
  try {
    return (await stat(path)).mode & 0o777
  } catch {
    return FILE_MODE
  }
}

export function isMissing(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code
  return code === 'ENOENT' || code === 'ENOTDIR'
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
