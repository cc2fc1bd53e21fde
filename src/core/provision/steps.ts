import {createHash} from 'node:crypto'
import {dirname} from 'node:path'
import {BerthError} from '../errors.js'
import {prose, run, unquoted} from '../fix.js'
import type {Reporter} from '../reporter.js'
import type {RemoteSession} from '../ssh/session.js'
import {shellQuote} from '../ssh/shell-quote.js'
import type {EngineOptions} from '../store/schema.js'
import {DOCKER_MACHINE_DROP_IN, REMOTE_TLS} from './engine-config.js'
import {planEngineConfig, type EnginePlan, type PlannedFile} from './engine-plan.js'
import {interpretEngine, type PresentEngine} from './engine-present.js'
import {HostChange} from './host-change.js'
import {gatherHostFacts, type HostFacts} from './host-facts.js'
import {type HostMarker, type HostOwner} from './host-state.js'
import {INIT_SYSTEMS} from './init-systems.js'
import {detectOsFamily} from './os-families.js'
import {runAsRoot} from './remote-script.js'
import {renderTemplate} from './templates.js'

export const NO_INSTALL = 'none'
export const DEFAULT_INSTALL_URL = 'https://get.docker.com'

/** What to make of the host. */
export interface ProvisionSpec {
  machineName: string
  engine: EngineOptions
  /** The PEMs the engine uses: berth's CA, and the server certificate and key issued for this host. */
  tls: {caPem: string; serverCertPem: string; serverKeyPem: string}
  /** Asks the engine over TLS from this computer; throws when it does not answer correctly in time. */
  verifyEngine(signal: AbortSignal): Promise<void>
  /** Who manages the engine once this run succeeds (berth's marker on the host). */
  owner: HostOwner
  /** Take over a host that another machine manages (--force-adopt). */
  forceAdopt: boolean
  /** Whether this store still has a machine of that name (a marker of a removed machine is no one's). */
  machineExists(name: string): Promise<boolean>
  /**
   * The host's engine was set up by Docker Machine (an imported machine berth has not provisioned yet): its
   * configuration is replaced by berth's, its TLS files are written again (Docker Machine left the key 0644), and
   * the running engine it started is not a conflict.
   */
  takeOver?: boolean
}

export interface ProvisionContext {
  session: RemoteSession
  spec: ProvisionSpec
  facts: HostFacts
  /** The engine's configuration as found, read from the facts. */
  present: PresentEngine
  /** berth's marker as found on the host. */
  marker?: HostMarker
  /** What berth writes for the engine, once dockerd is installed (its options are checked against it). */
  plan?: EnginePlan
  /** This run's changes, begun before the first one so that a failure can undo them all. */
  change?: HostChange
  reporter: Reporter
  signal: AbortSignal
  /** Set by steps that changed what the running engine uses, so the engine restarts (once). */
  engineChanged: boolean
  /** Whether the directories berth writes into exist (made once, before the first upload). */
  directoriesReady: boolean
  /** Whether this run restarted the engine (or installed one), so that undoing it restarts it as it was. */
  engineRestarted: boolean
  /** The SSH user, when this run added it to the docker group (recorded in the marker, so that clean-host takes it out). */
  addedToDockerGroup?: string
}

/** One idempotent step: says whether the host already is as wanted, and makes it so otherwise. */
interface ProvisionStep {
  id: string
  title: string
  isSatisfied(ctx: ProvisionContext): boolean | Promise<boolean>
  apply(ctx: ProvisionContext): Promise<void>
}

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex')

/** Every file a run may change: the hostname's, the TLS material, the engine's configuration and daemon.json. */
function changedPaths(ctx: ProvisionContext): string[] {
  return ['/etc/hostname', '/etc/hosts', ...Object.values(REMOTE_TLS), INIT_SYSTEMS[ctx.facts.init].configPath, ctx.present.daemonJson.path, ...(ctx.spec.takeOver === true ? [DOCKER_MACHINE_DROP_IN] : [])]
}

/** Begin the run's undoable change before its first change to the host. */
async function changing(ctx: ProvisionContext): Promise<HostChange> {
  ctx.change ??= await HostChange.begin(ctx.session, ctx.facts.init, changedPaths(ctx), ctx.signal)
  return ctx.change
}

/** Read the host again after something changed it wholesale (an engine install brings its unit and files). */
async function readHost(ctx: ProvisionContext): Promise<void> {
  ctx.facts = await gatherHostFacts(ctx.session, ctx.signal)
  ctx.present = interpretEngine(ctx.facts.engineConfig, ctx.facts.init, ctx.spec.takeOver === true)
}

/**
 * What berth will write for the engine, checked against what configures it now: throws EngineConflictError before
 * anything changes when berth's options cannot coexist with the host's. Needs dockerd installed.
 */
export async function planEngine(ctx: ProvisionContext): Promise<EnginePlan> {
  const {facts, present, marker} = ctx
  ctx.plan = await planEngineConfig({
    init: facts.init,
    dockerdPath: facts.dockerd!,
    engine: ctx.spec.engine,
    present,
    previousAdditions: marker?.daemonJson ?? {},
    berthConfigured: ctx.spec.takeOver === true || marker !== undefined || facts.fileHashes.has(INIT_SYSTEMS.systemd.configPath) || facts.fileHashes.has(REMOTE_TLS.cert),
  })
  return ctx.plan
}

const hostname: ProvisionStep = {
  id: 'host.hostname',
  title: 'Setting the hostname',
  isSatisfied: (ctx) => ctx.facts.hostname === ctx.spec.machineName,
  async apply(ctx) {
    await changing(ctx)
    await runAsRoot(ctx.session, await renderTemplate('provision/set-hostname.sh', {name: shellQuote(ctx.spec.machineName)}), ctx.signal)
  },
}

const installEngine: ProvisionStep = {
  id: 'engine.install',
  title: 'Installing the Docker engine',
  isSatisfied: (ctx) => ctx.facts.dockerd !== undefined,
  async apply(ctx) {
    const url = ctx.spec.engine.installUrl
    if (url === NO_INSTALL) {
      throw new BerthError('The host has no Docker engine (dockerd is not on the PATH) and --engine-install-url is "none".', {code: 'engine-not-installed'})
    }
    await changing(ctx)
    // A package may start the engine it installs: undoing this run then stops it again.
    ctx.engineRestarted = true
    const family = detectOsFamily(ctx.facts.osRelease)
    // The official script does not support every distribution; those use their own packages unless the user chose a script.
    const script = url === DEFAULT_INSTALL_URL && family.packageInstall !== undefined
      ? await renderTemplate('provision/install-engine-package.sh', {installCommand: family.packageInstall})
      : await renderTemplate('provision/install-engine-script.sh', {url: shellQuote(url)})
    await runAsRoot(ctx.session, script, ctx.signal, {onLine: (line) => ctx.reporter.status(line)})
    // The engine brings its service, its files and its options: what berth writes is decided against those.
    await readHost(ctx)
    if (ctx.facts.dockerd === undefined) throw new BerthError('The engine was installed, but dockerd is not on the PATH.', {code: 'engine-install-incomplete'})
    await planEngine(ctx)
    ctx.engineChanged = true
  },
}

/**
 * A non-root SSH user joins the engine's group, so that `docker` on the host (and through berth's ssh) works without
 * sudo, unless the machine was made with --engine-no-docker-group. Membership is root's power over the host, which
 * the user has through sudo already; the note says who was added. Undoing the run takes the user out again.
 */
const dockerGroup: ProvisionStep = {
  id: 'user.docker-group',
  title: 'Adding the SSH user to the docker group',
  isSatisfied: (ctx) => ctx.session.isRoot || ctx.spec.engine.noDockerGroup === true || ctx.facts.dockerGroup?.hasLoginUser === true,
  async apply(ctx) {
    const {user} = ctx.session
    if (ctx.facts.dockerGroup === undefined) {
      ctx.reporter.warn(`The host has no docker group, so "${user}" runs docker commands on it with sudo.`)
      return
    }
    const change = await changing(ctx)
    await runAsRoot(ctx.session, await renderTemplate('provision/docker-group-add.sh', {user: shellQuote(user), run: shellQuote(change.run)}), ctx.signal, {what: `add "${user}" to the docker group`})
    ctx.addedToDockerGroup = user
    ctx.reporter.info(`Added "${user}" to the docker group on the host, so that docker commands over SSH work without sudo (--engine-no-docker-group leaves it out).`)
  },
}

const installCertificates: ProvisionStep = {
  id: 'tls.install',
  title: 'Installing the engine\'s TLS certificates',
  isSatisfied: (ctx) => ctx.spec.takeOver !== true && tlsFiles(ctx).every(({path, content}) => ctx.facts.fileHashes.get(path) === sha256(content)),
  async apply(ctx) {
    await changing(ctx)
    await ensureDirectories(ctx)
    for (const file of tlsFiles(ctx)) await ctx.session.upload(file.path, file.content, {mode: file.mode, owner: 'root', group: 'root'})
    ctx.engineChanged = true
  },
}

function tlsFiles(ctx: ProvisionContext): PlannedFile[] {
  const {tls} = ctx.spec
  return [
    {path: REMOTE_TLS.ca, content: tls.caPem, mode: 0o644},
    {path: REMOTE_TLS.cert, content: tls.serverCertPem, mode: 0o644},
    {path: REMOTE_TLS.key, content: tls.serverKeyPem, mode: 0o600},
  ]
}

const configureEngine: ProvisionStep = {
  id: 'engine.configure',
  title: 'Configuring the engine for TLS',
  isSatisfied: (ctx) => !replacedDropIn(ctx) && plannedFiles(ctx).every((file) => ctx.facts.fileHashes.get(file.path) === sha256(file.content)),
  async apply(ctx) {
    const change = await changing(ctx)
    await validateWithDockerd(ctx, change)
    await ensureDirectories(ctx)
    for (const file of plannedFiles(ctx)) await ctx.session.upload(file.path, file.content, {mode: file.mode, owner: 'root', group: 'root'})
    if (replacedDropIn(ctx)) await runAsRoot(ctx.session, `rm -f ${shellQuote(DOCKER_MACHINE_DROP_IN)}`, ctx.signal)
    ctx.engineChanged = true
  },
}

/** Docker Machine's drop-in, still on a host berth takes over: removed with berth's configuration in place. */
function replacedDropIn(ctx: ProvisionContext): boolean {
  return ctx.spec.takeOver === true && ctx.facts.fileHashes.has(DOCKER_MACHINE_DROP_IN)
}

function plannedFiles(ctx: ProvisionContext): PlannedFile[] {
  if (ctx.plan === undefined) throw new BerthError('berth has no engine configuration planned for this host.', {code: 'engine-plan-missing'})
  return ctx.plan.files
}

/**
 * dockerd 23 and later check a configuration without starting (`dockerd --validate`): the new arguments and
 * daemon.json are checked by the host's own dockerd before they are put in place. Older ones were checked by
 * planEngine against their option table.
 */
async function validateWithDockerd(ctx: ProvisionContext, change: HostChange): Promise<void> {
  if (ctx.present.options?.has('validate') !== true) return
  const plan = ctx.plan!
  const daemonJson = plan.files.find((file) => file.path === ctx.present.daemonJson.path)
  // The daemon.json it will read: the new one where berth writes one, else the present one (a file given
  // with --config-file must exist, and none may, at the default path).
  let configFile: string[] = ctx.present.daemonJson.text === undefined ? [] : ['--config-file', ctx.present.daemonJson.path]
  if (daemonJson !== undefined) {
    configFile = ['--config-file', `${change.run}/daemon.json`]
    await ctx.session.upload(configFile[1]!, daemonJson.content, {mode: 0o600, owner: 'root', group: 'root'})
  }
  const args = plan.args.filter((arg, index, all) => arg !== '--config-file' && all[index - 1] !== '--config-file' && !arg.startsWith('--config-file='))
  const command = [ctx.facts.dockerd!, '--validate', ...configFile, ...args].map(shellQuote).join(' ')
  const result = await runAsRoot(ctx.session, command, ctx.signal, {check: false})
  if (result.code !== 0) {
    // dockerd's first line is the reason; a flag error adds "See 'dockerd --help'." after it.
    throw new BerthError(`dockerd on the host refuses the new configuration: ${(result.stderr.trim() || result.stdout.trim()).split('\n')[0]}`, {code: 'engine-config-refused', data: {}, hint: prose`Change or remove the engine option it names (${unquoted(run('provision', undefined, ['--engine-opt-rm', 'NAME']))} removes a stored one).`})
  }
}

/** Uploads need their directory; the engine's config directory may not exist before the first provisioning. */
async function ensureDirectories(ctx: ProvisionContext): Promise<void> {
  if (ctx.directoriesReady) return
  const dirs = new Set([dirname(REMOTE_TLS.ca), dirname(INIT_SYSTEMS[ctx.facts.init].configPath), dirname(ctx.present.daemonJson.path)])
  await runAsRoot(ctx.session, `mkdir -p ${[...dirs].map(shellQuote).join(' ')}`, ctx.signal)
  ctx.directoriesReady = true
}

const restartEngine: ProvisionStep = {
  id: 'engine.restart',
  title: 'Starting the Docker engine',
  // A running engine that started before berth's files last changed (a provisioning cut short) has not read them.
  isSatisfied: (ctx) => ctx.facts.dockerdRunning && !ctx.engineChanged &&
    ![...Object.values(REMOTE_TLS), ...plannedFiles(ctx).map((file) => file.path)].some((path) => ctx.facts.newerThanEngine?.has(path)),
  async apply(ctx) {
    ctx.engineRestarted = true
    await runAsRoot(ctx.session, await renderTemplate(INIT_SYSTEMS[ctx.facts.init].restartScript, {}), ctx.signal, {onLine: (line) => ctx.reporter.status(line)})
  },
}

const verifyEngine: ProvisionStep = {
  id: 'engine.verify',
  title: 'Checking the engine over TLS',
  isSatisfied: () => false,
  apply: (ctx) => ctx.spec.verifyEngine(ctx.signal),
}

const recordMarker: ProvisionStep = {
  id: 'host.marker',
  title: 'Recording the machine on the host',
  isSatisfied: (ctx) => ctx.change === undefined && JSON.stringify(ctx.marker) === JSON.stringify(wantedMarker(ctx)),
  async apply(ctx) {
    await (ctx.change ?? await changing(ctx)).end(wantedMarker(ctx), ctx.signal)
  },
}

/** The marker a successful run leaves: who manages the engine, what berth wrote, and what it added to daemon.json. */
function wantedMarker(ctx: ProvisionContext): HostMarker {
  const files: Record<string, string> = {}
  for (const file of [...tlsFiles(ctx), ...plannedFiles(ctx)]) files[file.path] = sha256(file.content)
  const dockerGroup = [...new Set([...(ctx.marker?.dockerGroup ?? []), ...(ctx.addedToDockerGroup === undefined ? [] : [ctx.addedToDockerGroup])])]
  return {...ctx.spec.owner, files, daemonJson: ctx.plan!.additions, ...(dockerGroup.length === 0 ? {} : {dockerGroup})}
}

/** The same ordered plan for every distribution; OS differences live in the facts and the templates. */
export const PROVISION_PLAN: readonly ProvisionStep[] = [hostname, installEngine, dockerGroup, installCertificates, configureEngine, restartEngine, verifyEngine, recordMarker]

/** Steps after which a failure is the engine's: the error then carries the tail of its log. */
export const ENGINE_STEPS = new Set([restartEngine.id, verifyEngine.id])
