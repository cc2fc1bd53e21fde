// Reading a Docker Machine store (libmachine's layout: machines/<name>/config.json, certs/): nothing here writes.
import {X509Certificate} from 'node:crypto'
import {readdir, readFile, realpath, stat} from 'node:fs/promises'
import {dirname, isAbsolute, join, relative, sep} from 'node:path'
import {BerthError, errorMessage} from '../errors.js'
import {diagnosePath} from '../path-problem.js'
import {isSignedBy, keyMatchesCertificate} from '../certs/validate.js'
import type {StoreLayout} from '../store/layout.js'
import type {EngineOptions} from '../store/schema.js'

/** libmachine's config version since Docker Machine 0.5; older files are migrated by Docker Machine when it loads them. */
const CONFIG_VERSION = 3

/** PEM text of a CA with its key and the client certificate it issued, as Docker Machine keeps them in certs/. */
export interface CaFiles {
  caCert: string
  caKey: string
  clientCert: string
  clientKey: string
}

/** One machine of the store, read and checked: what import writes into berth's store, with nothing left to fail on. */
export interface DockerMachineMachine {
  name: string
  driverName: string
  /** The "Driver" object of its config.json. */
  driver: Record<string, unknown>
  engine: Omit<EngineOptions, 'port'>
  sans: string[]
  ca: CaFiles
  /** The engine's certificate and key, when Docker Machine issued them (drivers it provisioned). */
  server?: {certPem: string; keyPem: string}
  /** Where its SSH key is in the source store, when it has one. */
  sshKeyPath?: string
  /** When Docker Machine wrote its config.json last: the closest thing to its creation time the store keeps. */
  writtenAt: Date
}

/** The reason one machine cannot be imported: nothing of it is written, the others go on. A berth error's fix follows. */
export function importRefused(name: string, reason: string, cause?: unknown): BerthError {
  // The cause's fix is kept only when it names no berth command: the machine is not berth's yet, so "berth start X"
  // or "berth rm X" cannot help, while "set AZURE_TENANT_ID" can.
  const fixHelps = cause instanceof BerthError && cause.fixes.length === 0
  return new BerthError(`Cannot import "${name}": ${reason}.`, {code: 'import-refused', data: {machine: name}, cause, ...(fixHelps ? {hintFromCause: true} : {})})
}

/**
 * The store at `source`, an absolute path, checked to be a Docker Machine store and not berth's own: its machine
 * names, in byte order. Refused in one line naming the path and what is wrong.
 */
export async function dockerMachineNames(source: string, layout: StoreLayout): Promise<string[]> {
  const refuse = (problem: string, hint?: string): BerthError => new BerthError(`${source} ${problem}.`, {code: 'import-source', hint})
  const hint = 'Give the Docker Machine store with --source DIR (its default is $MACHINE_STORAGE_PATH, else ~/.docker/machine).'
  let real: string
  try {
    real = await realpath(source)
  } catch (error) {
    throw refuse((await diagnosePath(source, error)).problem, hint)
  }
  const own = await realpath(layout.root).catch(() => layout.root)
  if (real === own || real.startsWith(`${own}${sep}`)) throw refuse('is berth\'s own store, not a Docker Machine store', hint)
  let entries
  try {
    entries = await readdir(join(source, 'machines'), {withFileTypes: true})
  } catch (error) {
    const found = await diagnosePath(join(source, 'machines'), error)
    throw refuse(found.code === 'ENOENT' ? 'is not a Docker Machine store: it has no machines/ directory' : `is not readable: ${found.path} ${found.problem}`, hint)
  }
  return entries.filter((entry) => entry.isDirectory() && !entry.name.startsWith('.')).map((entry) => entry.name).sort()
}

/** Read one machine of the store and check everything import needs of it. Throws importRefused. */
export async function readDockerMachine(source: string, name: string, provisions: (driverName: string) => Promise<boolean | undefined>): Promise<DockerMachineMachine> {
  const dir = join(source, 'machines', name)
  const configPath = join(dir, 'config.json')
  const text = await readSource(name, configPath, 'config.json')
  let raw: unknown
  try {
    raw = JSON.parse(text)
  } catch (error) {
    throw importRefused(name, `its config.json is not valid JSON (${errorMessage(error)}); it may be truncated`)
  }
  if (!isObject(raw)) throw importRefused(name, 'its config.json does not hold a JSON object')
  const version = raw.ConfigVersion
  if (typeof version !== 'number' || version < CONFIG_VERSION) {
    throw importRefused(name, `its config.json is of config version ${JSON.stringify(version)}, older than Docker Machine 0.5's (3); run "docker-machine ls" once with Docker Machine 0.16 to bring it up to date`)
  }
  // Fields are read by name and every other one is ignored, so a fork's additions do not matter.
  if (raw.Name !== name) throw importRefused(name, `its config.json names the machine ${JSON.stringify(raw.Name)}`)
  const driverName = raw.DriverName
  const driver = raw.Driver
  if (typeof driverName !== 'string' || driverName === '') throw importRefused(name, 'its config.json has no "DriverName"')
  if (!isObject(driver)) throw importRefused(name, 'its config.json has no "Driver" object')
  const hostOptions = isObject(raw.HostOptions) ? raw.HostOptions : {}
  const auth = hostOptions.AuthOptions
  if (!isObject(auth)) throw importRefused(name, 'its config.json has no "HostOptions.AuthOptions"')
  const needsServer = await provisions(driverName)
  if (needsServer === undefined) throw importRefused(name, `berth has no ${driverName} driver`)

  // Paths are absolute as Docker Machine wrote them; a store that was moved or copied since is found under `source`.
  const writtenRoot = typeof driver.StorePath === 'string' && driver.StorePath !== '' ? driver.StorePath : typeof auth.StorePath === 'string' ? dirname(dirname(auth.StorePath)) : source
  const inSource = (path: string): string => {
    if (!isAbsolute(path)) return join(source, path)
    const rel = relative(writtenRoot, path)
    return rel === '' || rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel) ? path : join(source, rel)
  }
  const pathOf = (key: string): string => {
    const value = auth[key]
    if (typeof value !== 'string' || value === '') throw importRefused(name, `its config.json has no "HostOptions.AuthOptions.${key}"`)
    return inSource(value)
  }
  // One after the other, so that of several missing files the same one is named every time.
  const ca = {
    caCert: await readSource(name, pathOf('CaCertPath'), 'CA certificate'),
    caKey: await readSource(name, pathOf('CaPrivateKeyPath'), 'CA key'),
    clientCert: await readSource(name, pathOf('ClientCertPath'), 'client certificate'),
    clientKey: await readSource(name, pathOf('ClientKeyPath'), 'client key'),
  }
  checkCa(name, ca)
  let server: DockerMachineMachine['server']
  if (needsServer) {
    const certPem = await readSource(name, pathOf('ServerCertPath'), 'server certificate')
    const keyPem = await readSource(name, pathOf('ServerKeyPath'), 'server key')
    checkIssued(name, 'server certificate', certPem, keyPem, ca.caCert)
    server = {certPem, keyPem}
  }
  const sshKey = typeof driver.SSHKeyPath === 'string' && driver.SSHKeyPath !== '' ? inSource(driver.SSHKeyPath) : undefined
  const engineOptions = isObject(hostOptions.EngineOptions) ? hostOptions.EngineOptions : {}
  return {
    name,
    driverName,
    driver,
    engine: engineOptionsOf(engineOptions, driverName),
    sans: strings(auth.ServerCertSANs),
    ca,
    ...(server === undefined ? {} : {server}),
    ...(sshKey === undefined ? {} : {sshKeyPath: sshKey}),
    writtenAt: (await stat(configPath)).mtime,
  }
}

/** A short, stable name for a CA: its certificate's SHA-256 fingerprint, first 16 hex digits. */
export function caId(caCertPem: string): string {
  return new X509Certificate(caCertPem).fingerprint256.replaceAll(':', '').slice(0, 16).toLowerCase()
}

/**
 * Docker Machine's engine options as berth's (the same flags, under berth's names). Its single-valued options that
 * berth has no field for become dockerd options, as Docker Machine rendered them into the engine's command line.
 */
function engineOptionsOf(options: Record<string, unknown>, driverName: string): Omit<EngineOptions, 'port'> {
  const opts = strings(options.ArbitraryFlags)
  if (typeof options.LogLevel === 'string' && options.LogLevel !== '') opts.push(`log-level=${options.LogLevel}`)
  if (typeof options.GraphDir === 'string' && options.GraphDir !== '') opts.push(`data-root=${options.GraphDir}`)
  for (const server of strings(options.Dns)) opts.push(`dns=${server}`)
  if (options.Ipv6 === true) opts.push('ipv6')
  if (options.SelinuxEnabled === true) opts.push('selinux-enabled')
  const labels = strings(options.Labels)
  // Docker Machine labels every engine with its driver too, without storing the label.
  if (!labels.some((label) => label.startsWith('provider='))) labels.push(`provider=${driverName}`)
  const storageDriver = typeof options.StorageDriver === 'string' && options.StorageDriver !== '' ? options.StorageDriver : undefined
  return {
    installUrl: typeof options.InstallURL === 'string' && options.InstallURL !== '' ? options.InstallURL : 'https://get.docker.com',
    opts,
    env: strings(options.Env),
    labels,
    insecureRegistries: strings(options.InsecureRegistry),
    registryMirrors: strings(options.RegistryMirror),
    ...(storageDriver === undefined ? {} : {storageDriver}),
  }
}

/** The CA's key is its certificate's, and it issued the client certificate, whose key is its own. */
function checkCa(name: string, ca: CaFiles): void {
  let certificate: X509Certificate
  try {
    certificate = new X509Certificate(ca.caCert)
  } catch (error) {
    throw importRefused(name, `its CA certificate is not a readable PEM certificate (${errorMessage(error)})`)
  }
  if (!certificate.ca) throw importRefused(name, 'its CA certificate is not a CA')
  if (!keyMatchesCertificate(ca.caKey, ca.caCert)) throw importRefused(name, 'its CA key does not belong to its CA certificate')
  checkIssued(name, 'client certificate', ca.clientCert, ca.clientKey, ca.caCert)
}

function checkIssued(name: string, what: string, certPem: string, keyPem: string, caPem: string): void {
  let certificate: X509Certificate
  try {
    certificate = new X509Certificate(certPem)
  } catch (error) {
    throw importRefused(name, `its ${what} is not a readable PEM certificate (${errorMessage(error)})`)
  }
  if (!keyMatchesCertificate(keyPem, certPem)) throw importRefused(name, `its ${what}'s key does not belong to it`)
  if (!isSignedBy(certificate, new X509Certificate(caPem))) throw importRefused(name, `its ${what} was not issued by its CA`)
}

async function readSource(name: string, path: string, what: string): Promise<string> {
  try {
    return await readFile(path, 'utf8')
  } catch (error) {
    const found = await diagnosePath(path, error)
    throw importRefused(name, `its ${what} ${found.path} ${found.problem}`, error)
  }
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : []
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
