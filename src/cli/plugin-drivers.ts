import {register} from 'node:module'
import {join} from 'node:path'
import {pathToFileURL} from 'node:url'
import type {Interfaces} from '@oclif/core'
import type {DriverSource} from '../core/driver-registry/registry.js'

interface BerthPluginManifest {
  berth?: {drivers?: Record<string, unknown>}
}

/** What berth reads of an installed plugin: oclif's loaded plugin, or the record completion reads without oclif. */
export interface InstalledPlugin {
  type: string
  name: string
  version: string
  root: string
  pjson: object
}

/**
 * Drivers declared by installed oclif plugins in their package.json (`"berth": {"drivers": {"name": "./dist/driver.js"}}`).
 * Reading the declarations costs nothing (oclif has loaded every plugin's package.json); a driver's module
 * is imported only when that driver is used.
 */
export function pluginDriverSources(config: Interfaces.Config): DriverSource[] {
  return driverSourcesOf(config.plugins.values())
}

/** The drivers these plugins declare. */
export function driverSourcesOf(plugins: Iterable<InstalledPlugin>): DriverSource[] {
  const sources: DriverSource[] = []
  for (const plugin of plugins) {
    if (plugin.type === 'core') continue
    const drivers = (plugin.pjson as BerthPluginManifest).berth?.drivers
    if (typeof drivers !== 'object' || drivers === null) continue
    for (const [name, modulePath] of Object.entries(drivers)) {
      sources.push({
        name,
        origin: {kind: 'plugin', plugin: plugin.name, version: plugin.version},
        load: async () => {
          if (typeof modulePath !== 'string') throw new Error(`package.json declares driver "${name}" with a module path that is not a string`)
          useRunningKit()
          const module = await import(pathToFileURL(join(plugin.root, modulePath)).href) as {default?: unknown}
          return module.default
        },
      })
    }
  }
  return sources
}

let kitRegistered = false

/**
 * A plugin's driver imports `berth/driver`: that must be this berth's kit, whatever copy of berth (or none) the
 * plugin's own node_modules hold, so that its errors are berth's errors and its types berth's types. Registered once,
 * before the first plugin driver is imported; a command that uses no plugin driver never starts the hook.
 */
function useRunningKit(): void {
  if (kitRegistered) return
  kitRegistered = true
  register(new URL('plugin-kit-hook.js', import.meta.url), {
    data: {
      'berth/driver': new URL('../driver-kit/index.js', import.meta.url).href,
      'berth/driver/testing': new URL('../driver-kit/testing.js', import.meta.url).href,
    },
  })
}
