import {DEFAULT_ENGINE_PORT} from '../engine/engine-url.js'
import {UsageError} from '../errors.js'
import {run} from '../fix.js'
import {DEFAULT_INSTALL_URL} from '../provision/index.js'
import type {EngineOptions} from '../store/schema.js'

export interface EngineFlags {
  installUrl?: string | undefined
  port?: number | undefined
  opts?: string[] | undefined
  env?: string[] | undefined
  labels?: string[] | undefined
  insecureRegistries?: string[] | undefined
  registryMirrors?: string[] | undefined
  storageDriver?: string | undefined
  noDockerGroup?: boolean | undefined
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
    ...(flags.noDockerGroup === true ? {noDockerGroup: true} : {}),
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
    ...(change.noDockerGroup === true ? {noDockerGroup: true} : {}),
    opts: add(current.opts, change.opts),
    env: add(current.env, change.env),
    labels: add(current.labels.filter((label) => !newLabelKeys.has(label.split('=')[0])), change.labels),
    insecureRegistries: add(current.insecureRegistries, change.insecureRegistries),
    registryMirrors: add(current.registryMirrors, change.registryMirrors),
  }
}

/** What `provision` takes away from the stored engine options: names of options, label keys, variable names, values. */
export interface EngineRemovals {
  opts?: string[] | undefined
  labels?: string[] | undefined
  env?: string[] | undefined
  insecureRegistries?: string[] | undefined
  registryMirrors?: string[] | undefined
  storageDriver?: boolean | undefined
  noDockerGroup?: boolean | undefined
}

/**
 * Engine options without what is named for removal: an option by its name (log-level removes log-level=debug), a
 * label or variable by its key, a registry or mirror by its value. Naming something the machine does not have is a
 * usage error, so a typo never passes for a removal.
 */
export function removeEngineOptions(current: EngineOptions, removals: EngineRemovals): EngineOptions {
  const key = (pair: string): string => pair.split('=')[0]!
  const remove = (flag: string, values: string[], names: string[] | undefined, nameOf: (value: string) => string): string[] => {
    for (const name of names ?? []) {
      if (!values.some((value) => nameOf(value) === name || value === name)) {
        throw new UsageError(`--${flag} ${name}: the machine has no such engine setting.`, {code: 'engine-setting-absent', data: {flag: `--${flag}`, name}, fixes: [run('inspect', undefined, ['-f', "'{{json .HostOptions.EngineOptions}}'", 'NAME'])]})
      }
    }
    return values.filter((value) => !(names ?? []).some((name) => nameOf(value) === name || value === name))
  }
  if (removals.storageDriver === true && current.storageDriver === undefined) throw new UsageError('--engine-storage-driver-rm: the machine has no storage driver set.', {code: 'engine-setting-absent', data: {flag: '--engine-storage-driver-rm'}})
  if (removals.noDockerGroup === true && current.noDockerGroup !== true) throw new UsageError('--engine-no-docker-group-rm: the machine was not provisioned with --engine-no-docker-group.', {code: 'engine-setting-absent', data: {flag: '--engine-no-docker-group-rm'}})
  const {storageDriver, noDockerGroup, ...rest} = current
  return {
    ...rest,
    opts: remove('engine-opt-rm', current.opts, removals.opts, key),
    labels: remove('engine-label-rm', current.labels, removals.labels, key),
    env: remove('engine-env-rm', current.env, removals.env, key),
    insecureRegistries: remove('engine-insecure-registry-rm', current.insecureRegistries, removals.insecureRegistries, (value) => value),
    registryMirrors: remove('engine-registry-mirror-rm', current.registryMirrors, removals.registryMirrors, (value) => value),
    ...(storageDriver === undefined || removals.storageDriver === true ? {} : {storageDriver}),
    ...(noDockerGroup !== true || removals.noDockerGroup === true ? {} : {noDockerGroup}),
  }
}
