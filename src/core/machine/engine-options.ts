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
