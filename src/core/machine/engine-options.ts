import type {EngineOptions} from '../store/schema.js'

export const DEFAULT_ENGINE_PORT = 2376
export const DEFAULT_INSTALL_URL = 'https://get.docker.com'

export interface EngineFlags {
  installUrl?: string | undefined
  port?: number | undefined
  opts?: string[] | undefined
  env?: string[] | undefined
  labels?: string[] | undefined
  insecureRegistries?: string[] | undefined
  registryMirrors?: string[] | undefined
  storageDriver?: string | undefined
}

/** Engine options for a new machine; like Docker Machine, every engine is labelled with the driver that made it. */
export function engineOptions(driverName: string, flags: EngineFlags): EngineOptions {
  const labels = [...(flags.labels ?? [])]
  if (!labels.some((label) => label.startsWith('provider='))) labels.push(`provider=${driverName}`)
  return {
    installUrl: flags.installUrl ?? DEFAULT_INSTALL_URL,
    port: flags.port ?? DEFAULT_ENGINE_PORT,
    opts: [...(flags.opts ?? [])],
    env: [...(flags.env ?? [])],
    labels,
    insecureRegistries: [...(flags.insecureRegistries ?? [])],
    registryMirrors: [...(flags.registryMirrors ?? [])],
    ...(flags.storageDriver ? {storageDriver: flags.storageDriver} : {}),
  }
}

/**
 * Engine options after `provision` flags: list options gain the new values (a label replaces the one with the
 * same key), single values are replaced when given. Nothing given means nothing changes.
 */
export function mergeEngineOptions(current: EngineOptions, change: EngineFlags): EngineOptions {
  const add = (existing: string[], extra: string[] | undefined): string[] => [...new Set([...existing, ...(extra ?? [])])]
  const newLabelKeys = new Set((change.labels ?? []).map((label) => label.split('=')[0]))
  return {
    ...current,
    ...(change.installUrl === undefined ? {} : {installUrl: change.installUrl}),
    ...(change.storageDriver === undefined ? {} : {storageDriver: change.storageDriver}),
    opts: add(current.opts, change.opts),
    env: add(current.env, change.env),
    labels: add(current.labels.filter((label) => !newLabelKeys.has(label.split('=')[0])), change.labels),
    insecureRegistries: add(current.insecureRegistries, change.insecureRegistries),
    registryMirrors: add(current.registryMirrors, change.registryMirrors),
  }
}
