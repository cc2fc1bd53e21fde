import {readFile} from 'node:fs/promises'
import {homedir} from 'node:os'
import {join} from 'node:path'
import type {InstalledPlugin} from './plugin-drivers.js'

interface UserPluginsManifest {
  oclif?: {plugins?: Array<{name?: unknown; type?: unknown; root?: unknown}>}
}

/**
 * The plugins `berth plugins install` and `plugins link` added, read where oclif records them (its data directory's
 * package.json) without loading oclif: for completion, which must answer a keypress quickly. A plugin that cannot be
 * read is left out.
 */
export async function installedPlugins(env: NodeJS.ProcessEnv): Promise<InstalledPlugin[]> {
  const dataDir = env.BERTH_DATA_DIR || join(env.XDG_DATA_HOME || env.LOCALAPPDATA || join(env.HOME || homedir(), '.local', 'share'), 'berth')
  const manifest = await readJson<UserPluginsManifest>(join(dataDir, 'package.json'))
  const records = manifest?.oclif?.plugins ?? []
  const plugins = await Promise.all(records.map(async (record): Promise<InstalledPlugin | undefined> => {
    if (typeof record.name !== 'string' || (record.type !== 'user' && record.type !== 'link')) return undefined
    const root = record.type === 'link' && typeof record.root === 'string' ? record.root : join(dataDir, 'node_modules', record.name)
    const pjson = await readJson<{name?: string; version?: string}>(join(root, 'package.json'))
    return pjson === undefined ? undefined : {type: record.type, name: record.name, version: pjson.version ?? '', root, pjson}
  }))
  return plugins.filter((plugin) => plugin !== undefined)
}

async function readJson<T>(path: string): Promise<T | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as T
  } catch {
    return undefined
  }
}
