import {access, mkdtemp, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import type {DriverSetup} from '../../driver-kit/contract.js'
import {certificatePathsIn} from '../certs/store-certificates.js'
import {driverSetup} from '../driver-registry/driver-setup.js'
import {DEFAULT_ENGINE_PORT} from '../engine/engine-url.js'
import {BerthError, errorMessage} from '../errors.js'
import {validateMachineName} from '../machine-name.js'
import {writeMachineContext} from '../machine/machine-context.js'
import {changingMachine} from '../machine/machine-lock.js'
import type {ProvisionDeps} from '../provision-machine/index.js'
import {runOnceOverSsh} from '../ssh/run-once.js'
import {readUserSshKey, keepUserSshKey, type UserSshKey} from '../ssh/user-key.js'
import {writeFileAtomic} from '../store/files.js'
import {withLock} from '../store/lock.js'
import {CONFIG_VERSION, type MachineConfig} from '../store/schema.js'
import {caId, dockerMachineNames, importRefused, readDockerMachine, type CaFiles, type DockerMachineMachine} from './docker-machine-store.js'
import {readStoreIdentity} from '../store/store-identity.js'

interface ImportRequest {
  /** The Docker Machine store, an absolute path. */
  source: string
  /** The machines to import; none means all of them. */
  names: readonly string[]
  /** Check everything and say what would be imported, writing nothing. */
  dryRun: boolean
}

/** What a machine's change needs (the store, drivers, docker contexts): provisioning's, without its certificates. */
type ImportDeps = Omit<ProvisionDeps, 'certificates' | 'sshTimeoutMs' | 'hostMayBeBooting'>

/** One machine's outcome: imported (or would be, on a dry run), or the reason it was not, with nothing of it written. */
export type ImportOutcome = {name: string; config: MachineConfig} | {name: string; error: unknown}

/** A machine read, checked and turned into berth's config: all that is left is writing it. */
interface ImportPlan {
  config: MachineConfig
  found: DockerMachineMachine
  sshKey?: UserSshKey
  secrets: Record<string, string>
}

/**
 * Bring machines of a Docker Machine store into berth's store, one at a time, with the CA and client certificate that
 * issued their certificates, so their engines are reached at once, unchanged. Everything about a machine is checked
 * before anything of it is written; one machine's failure is its outcome, and the next goes on. The source is only read.
 */
export async function importDockerMachines(request: ImportRequest, deps: ImportDeps): Promise<ImportOutcome[]> {
  const available = await dockerMachineNames(request.source, deps.store.layout)
  const names = request.names.length > 0 ? [...new Set(request.names)] : available
  const outcomes: ImportOutcome[] = []
  for (const name of names) {
    try {
      if (!available.includes(name)) throw importRefused(name, `${request.source} has no machine of this name`)
      const plan = await planImport(request.source, name, deps)
      if (!request.dryRun) await writeImport(plan, deps)
      outcomes.push({name, config: plan.config})
    } catch (error) {
      outcomes.push({name, error})
    }
  }
  return outcomes
}

async function planImport(source: string, name: string, deps: ImportDeps): Promise<ImportPlan> {
  const {store, registry, signal} = deps
  const {layout} = store
  await refusing(name, async () => {
    validateMachineName(name)
    if (await store.exists(name)) throw importRefused(name, 'berth already has a machine of this name; remove it first, or leave this one out')
    await deps.contexts.checkWritable(name, {path: layout.root, id: await readStoreIdentity(layout.root)})
  })
  const provisions = async (driverName: string): Promise<boolean | undefined> => {
    if (!registry.has(driverName)) return undefined
    const definition = await registry.get(driverName)
    if (definition.fromDockerMachine === undefined) throw importRefused(name, `berth's ${driverName} driver cannot take over Docker Machine's machines yet`)
    return definition.capabilities.provisions
  }
  const found = await readDockerMachine(source, name, provisions)
  return refusing(name, async () => {
    const definition = await registry.get(found.driverName)
    if (definition.fromDockerMachine === undefined) throw importRefused(name, `berth's ${found.driverName} driver cannot take over Docker Machine's machines yet`)
    const sshKey = found.sshKeyPath === undefined ? undefined : await readUserSshKey('its SSH key', found.sshKeyPath)
    const enginePort = typeof found.driver.EnginePort === 'number' ? found.driver.EnginePort : DEFAULT_ENGINE_PORT
    const setup = driverSetup(layout, name, deps.env, definition, enginePort)
    const sshKeyPath = sshKey === undefined ? undefined : join(setup.machineDir, sshKey.fileName)
    const adopted = definition.fromDockerMachine({driver: found.driver, ...(sshKeyPath === undefined ? {} : {sshKeyPath})}, sshKey === undefined ? setup : planningSetup(setup, sshKey))
    const {driver} = adopted
    const [address, url, ssh] = await Promise.all([driver.address(signal), driver.dockerUrl(signal), definition.capabilities.provisions ? driver.sshEndpoint(signal) : undefined])
    const config: MachineConfig = {
      version: CONFIG_VERSION,
      name,
      createdAt: found.writtenAt.toISOString(),
      driver: {name: definition.name, state: driver.toState()},
      engine: {...found.engine, port: Number(new URL(url).port)},
      endpoint: {address, url},
      auth: {sans: found.sans, ca: layout.toStored(layout.importedCaDir(caId(found.ca.caCert)))},
      ...(ssh === undefined ? {} : {ssh: {user: ssh.user, host: ssh.host, port: ssh.port, keyPath: layout.toStored(ssh.keyPath)}}),
      resources: adopted.resources ?? [],
      ...(definition.capabilities.provisions ? {engineSetUpBy: 'docker-machine' as const} : {}),
    }
    return {config, found, ...(sshKey === undefined ? {} : {sshKey}), secrets: adopted.secrets ?? {}}
  })
}

/**
 * The driver's setup while nothing of the machine is written yet: what it asks the host goes with the key read from
 * the source (berth's copy is written with the rest), and the host key is pinned in a scratch file, removed at once;
 * the first session after the import pins it in the machine's known_hosts.
 */
function planningSetup(setup: DriverSetup, sshKey: UserSshKey): DriverSetup {
  return {
    ...setup,
    runOnHost: async (endpoint, command, signal) => {
      const scratch = await mkdtemp(join(tmpdir(), 'berth-import-'))
      try {
        return await runOnceOverSsh({endpoint, privateKey: sshKey.content, knownHostsPath: join(scratch, 'known_hosts'), command, signal})
      } finally {
        await rm(scratch, {recursive: true, force: true})
      }
    },
  }
}

/** Write the machine under its lock: gone again if any of it fails, so a failed import leaves nothing. */
async function writeImport(plan: ImportPlan, deps: ImportDeps): Promise<void> {
  const {store} = deps
  const {layout} = store
  const {name} = plan.config
  await changingMachine(deps, name, async () => {
    if (await store.exists(name)) throw importRefused(name, 'berth already has a machine of this name; remove it first, or leave this one out')
    await keepImportedCa(layout.fromStored(plan.config.auth.ca!), plan.found.ca, layout.certsLock)
    await store.create(plan.config)
    try {
      const machine = layout.machine(name)
      await writeFileAtomic(machine.caCert, plan.found.ca.caCert)
      await writeFileAtomic(machine.clientCert, plan.found.ca.clientCert)
      await writeFileAtomic(machine.clientKey, plan.found.ca.clientKey)
      if (plan.found.server !== undefined) {
        await writeFileAtomic(machine.serverKey, plan.found.server.keyPem)
        await writeFileAtomic(machine.serverCert, plan.found.server.certPem)
      }
      if (plan.sshKey !== undefined) await keepUserSshKey(plan.sshKey, machine)
      if (Object.keys(plan.secrets).length > 0) await writeFileAtomic(machine.credentials, `${JSON.stringify(plan.secrets, null, 2)}\n`)
      await writeMachineContext(deps.contexts, layout, name, plan.config.endpoint!.url, deps.reporter)
    } catch (error) {
      await store.remove(name)
      throw error
    }
  }, {creating: true})
}

/** The imported CA's files, written once: every machine imported with it shares them (provision and regenerate-certs use them). */
async function keepImportedCa(dir: string, ca: CaFiles, certsLock: string): Promise<void> {
  const paths = certificatePathsIn(dir)
  await withLock(certsLock, async () => {
    for (const file of ['caKey', 'caCert', 'clientKey', 'clientCert'] as const) {
      const present = await access(paths[file]).then(() => true, () => false)
      if (!present) await writeFileAtomic(paths[file], ca[file])
    }
  })
}

/** Any failure of a machine's checks, as that machine's refusal. */
async function refusing<T>(name: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work()
  } catch (error) {
    if (error instanceof BerthError && error.code === 'import-refused') throw error
    throw importRefused(name, errorMessage(error).replace(/\.$/, '').replace(/^[A-Z](?=[a-z])/, (first) => first.toLowerCase()), error)
  }
}
