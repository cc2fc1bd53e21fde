import {createHash} from 'node:crypto'
import {dirname} from 'node:path'
import {BerthError} from '../errors.js'
import type {Reporter} from '../reporter.js'
import type {RemoteSession} from '../ssh/session.js'
import {shellQuote} from '../ssh/shell-quote.js'
import type {EngineOptions} from '../store/schema.js'
import {ENGINE_CONFIG_PATH, REMOTE_TLS, renderEngineConfig} from './engine-config.js'
import {lastLine, type HostFacts} from './host-facts.js'
import {detectOsFamily} from './os-families.js'
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
}

export interface ProvisionContext {
  session: RemoteSession
  spec: ProvisionSpec
  facts: HostFacts
  reporter: Reporter
  signal: AbortSignal
  /** Set by steps that changed what the running engine uses, so the engine restarts (once). */
  engineChanged: boolean
  /** Whether the directories berth writes into exist (made once, before the first upload). */
  directoriesReady: boolean
}

/** One idempotent step: says whether the host already is as wanted, and makes it so otherwise. */
export interface ProvisionStep {
  id: string
  title: string
  isSatisfied(ctx: ProvisionContext): boolean | Promise<boolean>
  apply(ctx: ProvisionContext): Promise<void>
}

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex')

async function run(ctx: ProvisionContext, script: string): Promise<string> {
  const result = await ctx.session.exec(script, {sudo: true, signal: ctx.signal})
  if (result.code !== 0) throw new BerthError(`exit ${result.code}: ${lastLine(result.stderr) || lastLine(result.stdout)}`)
  return result.stdout
}

const hostname: ProvisionStep = {
  id: 'host.hostname',
  title: 'Setting the hostname',
  isSatisfied: (ctx) => ctx.facts.hostname === ctx.spec.machineName,
  async apply(ctx) {
    await run(ctx, await renderTemplate('provision/set-hostname.sh', {name: shellQuote(ctx.spec.machineName)}))
  },
}

const installEngine: ProvisionStep = {
  id: 'engine.install',
  title: 'Installing the Docker engine',
  isSatisfied: (ctx) => ctx.facts.dockerd !== undefined,
  async apply(ctx) {
    const url = ctx.spec.engine.installUrl
    if (url === NO_INSTALL) {
      throw new BerthError('The host has no Docker engine (dockerd is not on the PATH) and --engine-install-url is "none".', {hint: 'Install the engine on the host, or pass an install URL.'})
    }
    const family = detectOsFamily(ctx.facts.osRelease)
    // The official script does not support every distribution; those use their own packages unless the user chose a script.
    const script = url === DEFAULT_INSTALL_URL && family.packageInstall !== undefined
      ? await renderTemplate('provision/install-engine-package.sh', {installCommand: family.packageInstall})
      : await renderTemplate('provision/install-engine-script.sh', {url: shellQuote(url)})
    await run(ctx, script)
    const dockerd = (await run(ctx, 'command -v dockerd')).trim()
    ctx.facts = {...ctx.facts, dockerd}
    ctx.engineChanged = true
  },
}

const installCertificates: ProvisionStep = {
  id: 'tls.install',
  title: 'Installing the engine\'s TLS certificates',
  isSatisfied: (ctx) => tlsFiles(ctx).every(({path, content}) => ctx.facts.fileHashes.get(path) === sha256(content)),
  async apply(ctx) {
    await ensureDirectories(ctx)
    for (const file of tlsFiles(ctx)) await ctx.session.upload(file.path, file.content, {mode: file.mode, owner: 'root', group: 'root'})
    ctx.engineChanged = true
  },
}

function tlsFiles(ctx: ProvisionContext): Array<{path: string; content: string; mode: number}> {
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
  async isSatisfied(ctx) {
    const config = await engineConfig(ctx)
    return ctx.facts.fileHashes.get(config.path) === sha256(config.content)
  },
  async apply(ctx) {
    const config = await engineConfig(ctx)
    await ensureDirectories(ctx)
    await ctx.session.upload(config.path, config.content, {mode: 0o644, owner: 'root', group: 'root'})
    ctx.engineChanged = true
  },
}

/** Uploads need their directory; the engine's config directory may not exist before the first provisioning. */
async function ensureDirectories(ctx: ProvisionContext): Promise<void> {
  if (ctx.directoriesReady) return
  await run(ctx, `mkdir -p ${[dirname(REMOTE_TLS.ca), dirname(ENGINE_CONFIG_PATH[ctx.facts.init])].map(shellQuote).join(' ')}`)
  ctx.directoriesReady = true
}

function engineConfig(ctx: ProvisionContext): Promise<{path: string; content: string}> {
  return renderEngineConfig(ctx.facts.init, ctx.facts.dockerd!, ctx.spec.engine)
}

const restartEngine: ProvisionStep = {
  id: 'engine.restart',
  title: 'Starting the Docker engine',
  // A running engine that started before berth's files last changed (a provisioning cut short) has not read them.
  isSatisfied: (ctx) => ctx.facts.dockerdRunning && !ctx.engineChanged &&
    ![...Object.values(REMOTE_TLS), ENGINE_CONFIG_PATH[ctx.facts.init]].some((path) => ctx.facts.newerThanEngine?.has(path)),
  async apply(ctx) {
    await run(ctx, await renderTemplate(`provision/restart-engine-${ctx.facts.init}.sh`, {}))
  },
}

const verifyEngine: ProvisionStep = {
  id: 'engine.verify',
  title: 'Checking the engine over TLS',
  isSatisfied: () => false,
  apply: (ctx) => ctx.spec.verifyEngine(ctx.signal),
}

/** The same ordered plan for every distribution; OS differences live in the facts and the templates. */
export const PROVISION_PLAN: readonly ProvisionStep[] = [hostname, installEngine, installCertificates, configureEngine, restartEngine, verifyEngine]

/** Steps after which a failure is the engine's: the error then carries the tail of its log. */
export const ENGINE_STEPS = new Set([restartEngine.id, verifyEngine.id])
