import {readFile, realpath, stat} from 'node:fs/promises'
import {homedir} from 'node:os'
import {join} from 'node:path'

import {BerthError, errorMessage} from '../errors.js'
import {diagnosePath, errorCode, type PathProblem} from '../path-problem.js'
import {FILE_MODE, writeFileAtomic} from '../store/files.js'

/** The docker CLI's configuration directory: $DOCKER_CONFIG, else ~/.docker (the CLI reads $HOME, then USERPROFILE). */
export function dockerConfigDir(env: NodeJS.ProcessEnv): string {
  if (env.DOCKER_CONFIG !== undefined && env.DOCKER_CONFIG !== '') return env.DOCKER_CONFIG
  const home = [env.HOME, env.USERPROFILE].find((value) => value !== undefined && value !== '') ?? homedir()
  return join(home, '.docker')
}

type ConfigObject = Record<string, unknown>

/** The docker CLI's configuration directory or its config.json is not what the docker CLI needs: a file, a loop, no access. */
class DockerConfigError extends BerthError {
  override readonly name = 'DockerConfigError'
  constructor(found: PathProblem, options: {fromEnv: boolean; configFile: boolean}) {
    const subject = options.configFile ? `The docker configuration ${found.path}` : options.fromEnv ? `DOCKER_CONFIG ${found.path}` : `The docker configuration directory ${found.path}`
    super(`${subject} ${found.problem}.`, {code: 'docker-config', hint: dockerConfigFix(found, options)})
  }
}

function dockerConfigFix(found: PathProblem, options: {fromEnv: boolean; configFile: boolean}): string {
  if (found.code === 'EACCES' || found.code === 'EPERM') return `Give yourself access (chmod u+rwX ${found.path}, or chown it to you).`
  if (options.configFile) return 'Move it aside: the docker CLI cannot read it either.'
  if (options.fromEnv) return 'Point DOCKER_CONFIG at the docker CLI\'s configuration directory, or unset it to use ~/.docker.'
  return `Move ${found.path} out of the way: the docker CLI keeps its settings and contexts in that directory.`
}

/**
 * Refuse a docker configuration berth cannot write to, before anything is made: the directory ($DOCKER_CONFIG, else
 * ~/.docker) a file, a symbolic link loop or not accessible, or its config.json a directory. A directory that does
 * not exist yet is fine: berth makes it, as the docker CLI does.
 */
export async function checkDockerConfig(env: NodeJS.ProcessEnv): Promise<void> {
  const dir = dockerConfigDir(env)
  const fromEnv = env.DOCKER_CONFIG !== undefined && env.DOCKER_CONFIG !== ''
  const kind = async (path: string): Promise<'missing' | 'directory' | 'file'> => {
    try {
      return (await stat(path)).isDirectory() ? 'directory' : 'file'
    } catch (error) {
      if (errorCode(error) === 'ENOENT') return 'missing'
      const found = await diagnosePath(path, error)
      throw new DockerConfigError(found, {fromEnv, configFile: found.path !== dir})
    }
  }
  const dirKind = await kind(dir)
  if (dirKind === 'missing') return
  if (dirKind === 'file') throw new DockerConfigError({path: dir, problem: 'is a file, not a directory', code: 'ENOTDIR'}, {fromEnv, configFile: false})
  const configFile = join(dir, 'config.json')
  if (await kind(configFile) === 'directory') throw new DockerConfigError({path: configFile, problem: 'is a directory, not a file', code: 'EISDIR'}, {fromEnv, configFile: true})
}

/** config.json as an object, or undefined when it does not exist. A file berth cannot parse is an error. */
async function readDockerConfig(configDir: string): Promise<ConfigObject | undefined> {
  const path = join(configDir, 'config.json')
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (error) {
    if (isMissing(error)) return undefined
    const found = await diagnosePath(path, error)
    throw new DockerConfigError(found, {fromEnv: false, configFile: found.path === path})
  }
  // The docker CLI accepts an empty file as an empty configuration.
  if (text.trim() === '') return {}
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch (error) {
    throw new BerthError(`The docker configuration ${path} is not valid JSON: ${errorMessage(error)}`, {
      code: 'docker-config',
      hint: 'Fix or remove the file; berth will not overwrite it.',
      cause: error,
    })
  }
  if (!isObject(parsed)) throw new BerthError(`The docker configuration ${path} is not a JSON object.`, {code: 'docker-config', hint: 'Fix or remove the file; berth will not overwrite it.'})
  return parsed
}

/** The context named in config.json, if any. An unreadable file counts as none unless strict: "active" must not fail `ls`. */
export async function configuredContext(configDir: string, options: {strict?: boolean} = {}): Promise<string | undefined> {
  let config: ConfigObject | undefined
  try {
    config = await readDockerConfig(configDir)
  } catch (error) {
    if (options.strict === true) throw error
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
