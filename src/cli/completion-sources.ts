import {readFile, readdir} from 'node:fs/promises'
import {join} from 'node:path'
import {builtInDrivers} from '../../drivers/index.js'
import {SHELL_NAMES} from '../core/client/shell.js'
import {DriverRegistry} from '../core/driver-registry/registry.js'
import {FILTER_KEYS} from '../core/listing/filters.js'
import {StoreLayout} from '../core/store/layout.js'
import type {CompletionCommand, CompletionFlag, CompletionSources} from './completion-candidates.js'
import {installedPlugins} from './installed-plugins.js'
import {personalityOf} from './personality.js'
import {berthPackage} from './version-string.js'

interface ManifestFlag {
  name: string
  char?: string
  type: 'boolean' | 'option'
  description?: string
  options?: string[]
  hidden?: boolean
  helpGroup?: string
}

interface ManifestCommand {
  id: string
  summary?: string
  description?: string
  hidden?: boolean
  strict?: boolean
  flags: Record<string, ManifestFlag>
  args: Record<string, unknown>
}

/**
 * What completion offers, read from disk without oclif: commands and flags from oclif.manifest.json (what help
 * reads), machines from the names of the store's machine directories, drivers from the built-in catalogue and the
 * plugins' package.json files, a driver's flags from its definition (a light module; a plugin's is imported as when
 * it is used). Nothing asks an engine or a cloud.
 */
export async function completionSources(env: NodeJS.ProcessEnv): Promise<CompletionSources> {
  const plugins = await installedPlugins(env)
  const berthDir = berthPackage()?.dir
  // berth's own commands, those of the plugins it ships with (plugins, help) and those of the plugins installed.
  const bundled = berthDir === undefined ? [] : (await corePlugins(berthDir)).map((name) => join(berthDir, 'node_modules', name))
  const dirs = berthDir === undefined ? [] : [berthDir, ...bundled]
  const manifests = await Promise.all([...dirs, ...plugins.map((plugin) => plugin.root)].map(readManifest))
  const commands = manifests.flatMap((manifest) => Object.values(manifest?.commands ?? {}))
    .filter((command) => command.hidden !== true)
    .map((command) => asCommand(command, personalityOf(env)))
  // Loaded only when a driver is asked for; the lean bundle loads it from dist/src, where its import.meta.url finds
  // the kit a plugin's driver is given (scripts/bundle-lean.js).
  let registry: Promise<DriverRegistry> | undefined
  const drivers = () => (registry ??= import('./plugin-drivers.js').then(({driverSourcesOf}) => new DriverRegistry([...builtInDrivers, ...driverSourcesOf(plugins)])))
  return {
    commands,
    machines: async (storagePath) => machineNames(StoreLayout.resolve(storagePath, env).machinesDir),
    drivers: async () => (await drivers()).names(),
    driverFlags: async (name) => {
      const definition = await (await drivers()).get(name).catch(() => undefined)
      return definition?.flags.map((flag): CompletionFlag => ({name: flag.name, takesValue: flag.type !== 'boolean', description: flag.description}))
    },
    shells: SHELL_NAMES,
    filterKeys: FILTER_KEYS,
  }
}

async function corePlugins(berthDir: string): Promise<string[]> {
  try {
    const pjson = JSON.parse(await readFile(join(berthDir, 'package.json'), 'utf8')) as {oclif?: {plugins?: string[]}}
    return pjson.oclif?.plugins ?? []
  } catch {
    return []
  }
}

async function readManifest(dir: string): Promise<{commands?: Record<string, ManifestCommand>} | undefined> {
  try {
    return JSON.parse(await readFile(join(dir, 'oclif.manifest.json'), 'utf8')) as {commands?: Record<string, ManifestCommand>}
  } catch {
    return undefined
  }
}

function asCommand(command: ManifestCommand, program: string): CompletionCommand {
  const flags = Object.values(command.flags).filter((flag) => flag.hidden !== true).map((flag): CompletionFlag => ({
    name: flag.name,
    takesValue: flag.type === 'option',
    description: flag.description ?? '',
    ...(flag.char === undefined ? {} : {char: flag.char}),
    ...(flag.options === undefined ? {} : {options: flag.options}),
    ...(flag.helpGroup === undefined ? {} : {helpGroup: flag.helpGroup}),
  }))
  return {
    id: command.id.split(':').join(' '),
    summary: (command.summary ?? command.description?.split('\n')[0] ?? '').replaceAll('<%= config.bin %>', program),
    flags,
    args: Object.keys(command.args),
    variadic: command.strict === false,
  }
}

/** The store's machines: the names of the directories under machines/, nothing opened. */
async function machineNames(machinesDir: string): Promise<string[]> {
  try {
    return (await readdir(machinesDir, {withFileTypes: true})).filter((entry) => entry.isDirectory() && !entry.name.startsWith('.')).map((entry) => entry.name).sort()
  } catch {
    return []
  }
}
