/**
 * The machine configuration as stored in machines/<name>/config.json, and the migrations that bring
 * files written by earlier versions of berth up to the current schema.
 */

export const CONFIG_VERSION = 1

/** How the engine is configured on the host (Docker Machine's --engine-* flags). */
export interface EngineOptions {
  /** Where the engine install script comes from; "none" means the engine must already be installed. */
  installUrl: string
  /** The port dockerd listens on with TLS. */
  port: number
  /** Extra dockerd flags, "flag=value" or "flag". */
  opts: string[]
  /** Environment variables for dockerd, "NAME=value". */
  env: string[]
  /** Engine labels, "key=value"; provider=<driver> is always among them. */
  labels: string[]
  insecureRegistries: string[]
  registryMirrors: string[]
  storageDriver?: string
  /** Set by --engine-no-docker-group: provisioning leaves a non-root SSH user out of the docker group. */
  noDockerGroup?: boolean
}

/** Where the engine is reached. Kept current by the lifecycle whenever the driver reports a new address. */
export interface EngineEndpoint {
  /** The host's address as the driver reports it (an IP or a DNS name). */
  address: string
  /** The URL DOCKER_HOST is set to. */
  url: string
}

interface SshConfig {
  user: string
  host: string
  port: number
  /** Relative to the store when the key lives in it. */
  keyPath: string
}

/** A cloud or local object a driver made, recorded as soon as it exists so rm and rollback remove exactly it. */
export interface ResourceRecord {
  kind: string
  id: string
  [detail: string]: unknown
}

export interface MachineConfig {
  version: typeof CONFIG_VERSION
  name: string
  createdAt: string
  driver: {
    name: string
    /** The driver's own persisted state: flag values and ids, never secrets. */
    state: Record<string, unknown>
  }
  engine: EngineOptions
  endpoint?: EngineEndpoint
  auth: {
    /** Extra subject alternative names for the server certificate (--tls-san). */
    sans: string[]
    /**
     * The directory (stored path) of the CA that issued this machine's certificates, with its client certificate,
     * when it is not the store's own: a machine imported from Docker Machine keeps Docker Machine's.
     */
    ca?: string
  }
  ssh?: SshConfig
  resources: ResourceRecord[]
  /**
   * The tool that set up the host's engine, for a machine imported with its engine as that tool left it: the next
   * provision replaces its configuration with berth's (and then drops this).
   */
  engineSetUpBy?: 'docker-machine'
}

/** One step from version `from` to `from + 1`. Migrations are pure: raw JSON in, raw JSON out. */
export interface Migration {
  from: number
  migrate(raw: Record<string, unknown>): Record<string, unknown>
}

/** Every migration berth knows, in order. Version 1 is the first released schema, so there are none yet. */
export const MIGRATIONS: readonly Migration[] = []

type MigrationResult =
  | {ok: true; config: Record<string, unknown>; migrated: boolean}
  | {ok: false; reason: string; newer?: true; dockerMachine?: true}

/** Bring a parsed config.json to `target`, refusing files from a newer berth rather than guessing at them. */
export function migrateConfig(raw: unknown, migrations: readonly Migration[] = MIGRATIONS, target = CONFIG_VERSION): MigrationResult {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return {ok: false, reason: 'config.json does not hold a JSON object'}
  let current = raw as Record<string, unknown>
  // Docker Machine's host file (its store has the same machines/NAME/config.json layout as berth's).
  if ('ConfigVersion' in current && 'DriverName' in current) return {ok: false, reason: 'config.json is Docker Machine\'s, not berth\'s', dockerMachine: true}
  const version = current.version
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 1) {
    return {ok: false, reason: `config.json has no valid "version" (found ${JSON.stringify(version)})`}
  }
  if (version > target) {
    return {ok: false, reason: `config.json is version ${version}, written by a newer berth (this one reads up to ${target})`, newer: true}
  }
  let at = version
  while (at < target) {
    const step = migrations.find((migration) => migration.from === at)
    if (step === undefined) return {ok: false, reason: `no migration from config version ${at}`}
    current = {...step.migrate(current), version: at + 1}
    at++
  }
  return {ok: true, config: current, migrated: at !== version}
}

/** Check the shape of a migrated config, so that every later use can rely on it. */
export function parseConfig(raw: Record<string, unknown>): MachineConfig | string {
  const problems: string[] = []
  const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value)
  const isStringArray = (value: unknown): boolean => Array.isArray(value) && value.every((item) => typeof item === 'string')
  if (typeof raw.name !== 'string') problems.push('"name" is missing')
  if (typeof raw.createdAt !== 'string') problems.push('"createdAt" is missing')
  const driver = raw.driver
  if (!isObject(driver)) problems.push('"driver" is missing')
  else {
    if (typeof driver.name !== 'string') problems.push('"driver.name" is missing')
    if (!isObject(driver.state)) problems.push('"driver.state" is missing')
  }
  const engine = raw.engine
  if (!isObject(engine)) problems.push('"engine" is missing')
  else {
    if (typeof engine.installUrl !== 'string') problems.push('"engine.installUrl" is missing')
    if (typeof engine.port !== 'number') problems.push('"engine.port" is missing')
    for (const key of ['opts', 'env', 'labels', 'insecureRegistries', 'registryMirrors']) {
      if (!isStringArray(engine[key])) problems.push(`"engine.${key}" is not a list of strings`)
    }
    if (engine.storageDriver !== undefined && typeof engine.storageDriver !== 'string') problems.push('"engine.storageDriver" is not a string')
    if (engine.noDockerGroup !== undefined && typeof engine.noDockerGroup !== 'boolean') problems.push('"engine.noDockerGroup" is not true or false')
  }
  const auth = raw.auth
  if (!isObject(auth) || !isStringArray(auth.sans)) problems.push('"auth.sans" is not a list of strings')
  else if (auth.ca !== undefined && (typeof auth.ca !== 'string' || auth.ca === '')) problems.push('"auth.ca" is not a path')
  if (!Array.isArray(raw.resources)) problems.push('"resources" is not a list')
  else if (!raw.resources.every((resource) => isObject(resource) && typeof resource.kind === 'string' && typeof resource.id === 'string')) {
    problems.push('every entry of "resources" needs "kind" and "id"')
  }
  if (raw.endpoint !== undefined) {
    const endpoint = raw.endpoint
    if (!isObject(endpoint) || typeof endpoint.address !== 'string' || typeof endpoint.url !== 'string') problems.push('"endpoint" needs "address" and "url"')
  }
  if (raw.ssh !== undefined) {
    const ssh = raw.ssh
    if (!isObject(ssh) || typeof ssh.user !== 'string' || typeof ssh.host !== 'string' || typeof ssh.port !== 'number' || typeof ssh.keyPath !== 'string') {
      problems.push('"ssh" needs "user", "host", "port" and "keyPath"')
    }
  }
  if (problems.length > 0) return `config.json is malformed: ${problems.join('; ')}`
  return raw as unknown as MachineConfig
}
