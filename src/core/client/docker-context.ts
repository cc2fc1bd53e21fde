import {createHash} from 'node:crypto'
import {readdir, readFile, rm} from 'node:fs/promises'
import {join} from 'node:path'

import {BerthError, errorMessage} from '../errors.js'
import {run} from '../fix.js'
import {writeFileAtomic} from '../store/files.js'
import {staleness, type BerthMarker, type StaleReason} from './context-staleness.js'
import {checkDockerConfig, configuredContext, dockerConfigDir, isMissing, isObject, setConfiguredContext} from './docker-config.js'

/** PEM text of the CA that signed the engine's certificate, and the client's certificate and key. */
interface ContextTls {
  ca: string
  cert: string
  key: string
}

/** A berth store as a context records it: its path and its identity (see store-identity.ts), if it has one yet. */
export interface StoreRef {
  path: string
  id: string | undefined
}

export interface ContextSpec {
  /** The machine's name, which is also the context's name. */
  name: string
  /** The engine's URL, e.g. tcp://10.0.0.5:2376. */
  url: string
  tls: ContextTls
  /** The berth store the machine lives in, recorded so a context can be traced back to it. */
  store: {path: string; id: string}
}

/** A context berth made whose machine is gone (see context-staleness.ts). */
export interface StaleContext {
  context: string
  marker: BerthMarker
  reason: StaleReason
}

/** Written, possibly in place of a stale context of the same name; or not, and why. */
type WriteResult = {written: true; replaced?: StaleContext} | {written: false; reason: string}

/** Who a docker context of a given name belongs to: nobody (it does not exist), berth, or someone else. */
type ContextOwner = 'none' | 'berth' | 'other'

// The docker CLI refuses other names in `context create` and `context use`.
const CONTEXT_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.+-]+$/

/** Why a machine name cannot be a docker context name, or undefined when it can. */
export function contextNameProblem(name: string): string | undefined {
  if (name === 'default') return '"default" is the docker CLI\'s reserved name for the DOCKER_HOST-based context'
  if (!CONTEXT_NAME.test(name)) return 'the docker CLI requires at least two characters from a-z A-Z 0-9 _ . + - starting with a letter or digit'
  return undefined
}

export class DockerContextNameError extends BerthError {
  override readonly name = 'DockerContextNameError'
  constructor(readonly context: string, problem: string) {
    super(`Machine "${context}" cannot have a docker context: ${problem}.`, {code: 'docker-context-name', data: {machine: context, problem}, fixes: [run('env', context)]})
  }
}

export class DockerContextConflictError extends BerthError {
  override readonly name = 'DockerContextConflictError'
  /** The other berth store whose machine the context is, when it is one. */
  constructor(readonly context: string, readonly otherStore?: string) {
    super(otherStore === undefined
      ? `A docker context named "${context}" already exists and was not created by berth; berth leaves it alone.`
      : `A docker context named "${context}" already exists and belongs to the machine "${context}" of another berth store (${otherStore}); berth leaves it alone.`, {
      code: 'docker-context-conflict',
      data: {context, ...(otherStore === undefined ? {} : {otherStore})},
    })
  }
}

/** Whose a context is: nobody's, a berth store's (its marker), or someone else's. */
type ContextMarker = {kind: 'none'} | {kind: 'berth'; marker: BerthMarker} | {kind: 'other'}

/**
 * The docker CLI's context store: contexts/meta/<sha256(name)>/meta.json plus
 * contexts/tls/<sha256(name)>/docker/{ca,cert,key}.pem under the docker configuration directory, the layout
 * `docker context create --docker host=...,ca=...,cert=...,key=...` writes. The current context is
 * "currentContext" in config.json.
 */
export class DockerContextStore {
  readonly configDir: string
  private readonly env: NodeJS.ProcessEnv

  constructor(env: NodeJS.ProcessEnv) {
    this.env = env
    this.configDir = dockerConfigDir(env)
  }

  /**
   * Create or update the machine's context. Only the store that made a context writes it: a context that is not
   * berth's, or is the machine's of another store that still has it, is refused (DockerContextConflictError) and left
   * as it is; a stale one (its store or machine gone) is replaced, and the result says which it was.
   * A machine whose name the docker CLI cannot take as a context name ("default", one character) gets no
   * context: that is reported in the result rather than thrown, so creating such a machine still works.
   */
  async write(spec: ContextSpec): Promise<WriteResult> {
    const problem = contextNameProblem(spec.name)
    if (problem !== undefined) return {written: false, reason: new DockerContextNameError(spec.name, problem).message}
    const replaced = await this.checkWritable(spec.name, spec.store)
    const tlsDir = join(this.tlsDir(spec.name), 'docker')
    await writeFileAtomic(join(tlsDir, 'ca.pem'), spec.tls.ca)
    await writeFileAtomic(join(tlsDir, 'cert.pem'), spec.tls.cert)
    await writeFileAtomic(join(tlsDir, 'key.pem'), spec.tls.key)
    const berth: BerthMarker = {machine: spec.name, store: spec.store.path, storeId: spec.store.id}
    const meta = {
      Name: spec.name,
      Metadata: {Description: `berth machine ${spec.name}`, berth},
      Endpoints: {docker: {Host: spec.url, SkipTLSVerify: false}},
    }
    // The metadata goes last: the docker CLI lists a context as soon as meta.json exists.
    await writeFileAtomic(join(this.metaDir(spec.name), 'meta.json'), JSON.stringify(meta))
    return replaced === undefined ? {written: true} : {written: true, replaced}
  }

  /**
   * Remove the machine's context if it is berth's (and, given a store, that store's), and stop it being the
   * current context so the docker CLI does not fail on a missing one. False when nothing was removed; ask
   * owner() to tell "absent" from "someone else's".
   */
  async remove(name: string, options: {storePath?: string} = {}): Promise<boolean> {
    if ((await this.owner(name, options.storePath)) !== 'berth') return false
    await this.removeFiles(name)
    return true
  }

  private async removeFiles(name: string): Promise<void> {
    // The metadata goes first: the docker CLI stops listing the context as soon as meta.json is gone.
    await rm(this.metaDir(name), {recursive: true, force: true})
    await rm(this.tlsDir(name), {recursive: true, force: true})
    if ((await configuredContext(this.configDir)) === name) await setConfiguredContext(this.configDir, undefined)
  }

  async isBerthContext(name: string, storePath?: string): Promise<boolean> {
    return (await this.owner(name, storePath)) === 'berth'
  }

  /** A context counts as berth's when its metadata carries berth's marker for this very name (and store path, if given). */
  async owner(name: string, storePath?: string): Promise<ContextOwner> {
    const found = await this.marker(name)
    if (found.kind !== 'berth') return found.kind
    return storePath === undefined || found.marker.store === storePath ? 'berth' : 'other'
  }

  /**
   * Refuse, before anything is made, a context of this name that the given store may not write (see write()); the
   * stale context a write would replace, if there is one.
   */
  async checkWritable(name: string, store: StoreRef): Promise<StaleContext | undefined> {
    const found = await this.marker(name)
    if (found.kind === 'other') throw new DockerContextConflictError(name)
    if (found.kind === 'none') return undefined
    const {marker} = found
    // A context written before stores had identities is taken as its store's, as berth always took it.
    if (marker.store === store.path && (marker.storeId === undefined || marker.storeId === store.id)) return undefined
    const reason = await staleness(marker)
    if (reason === undefined) throw new DockerContextConflictError(name, marker.store)
    return {context: name, marker, reason}
  }

  /** The other berth store a context of this name belongs to, if it is one's. */
  async otherStore(name: string, storePath: string): Promise<string | undefined> {
    const found = await this.marker(name)
    return found.kind === 'berth' && found.marker.store !== storePath ? found.marker.store : undefined
  }

  /** Every context in the docker CLI's store that berth made, with its marker; those named in `except` are not read. */
  async berthContexts(options: {except?: readonly string[]} = {}): Promise<{context: string; marker: BerthMarker}[]> {
    const skipped = new Set((options.except ?? []).map(contextId))
    let ids: string[]
    try {
      ids = await readdir(join(this.configDir, 'contexts', 'meta'))
    } catch (error) {
      if (isMissing(error)) return []
      throw new BerthError(`Cannot list the docker contexts in ${this.configDir}: ${errorMessage(error)}`, {code: 'docker-config', cause: error})
    }
    const found = await Promise.all(ids.filter((id) => !skipped.has(id)).map(async (id) => {
      const meta = await this.readMetaFile(join(this.configDir, 'contexts', 'meta', id, 'meta.json'), id)
      const name = isObject(meta) && typeof meta.Name === 'string' ? meta.Name : undefined
      // The docker CLI finds a context by the hash of its name: a directory under another name is not one it lists.
      if (name === undefined || contextId(name) !== id) return undefined
      const parsed = markerOf(meta, name)
      return parsed.kind === 'berth' ? {context: name, marker: parsed.marker} : undefined
    }))
    return found.filter((entry) => entry !== undefined)
  }

  /** The context of this name if berth made it and it is stale (see context-staleness.ts). */
  async stale(name: string): Promise<StaleContext | undefined> {
    const found = await this.marker(name)
    if (found.kind !== 'berth') return undefined
    const reason = await staleness(found.marker)
    return reason === undefined ? undefined : {context: name, marker: found.marker, reason}
  }

  /**
   * Remove a context judged stale, if it is still exactly the one judged (not rewritten since by a create that
   * replaced it), and stop it being the current context. True once it is gone.
   */
  async removeStale(stale: StaleContext): Promise<boolean> {
    const found = await this.marker(stale.context)
    if (found.kind !== 'berth' || !sameMarker(found.marker, stale.marker) || (await staleness(found.marker)) === undefined) return false
    await this.removeFiles(stale.context)
    return (await this.marker(stale.context)).kind === 'none'
  }

  private async marker(name: string): Promise<ContextMarker> {
    return markerOf(await this.readMeta(name), name)
  }

  /**
   * The context the docker CLI uses when $DOCKER_HOST is unset: $DOCKER_CONTEXT, else config.json's. An unusable
   * docker configuration counts as none (ls must not fail on it), unless strict: `active` must not answer wrongly.
   */
  async currentContext(options: {strict?: boolean} = {}): Promise<string | undefined> {
    const fromEnv = this.env.DOCKER_CONTEXT
    if (fromEnv !== undefined && fromEnv !== '') return fromEnv
    if (options.strict === true) await this.checkUsable()
    return configuredContext(this.configDir, options)
  }

  /** Refuse a docker configuration berth could not write to (see checkDockerConfig), before anything is made. */
  async checkUsable(): Promise<void> {
    await checkDockerConfig(this.env)
  }

  /** Make a context the docker CLI's current one, or go back to the default context with undefined. */
  async use(name: string | undefined): Promise<void> {
    const problem = name === undefined || name === 'default' ? undefined : contextNameProblem(name)
    if (name !== undefined && problem !== undefined) throw new DockerContextNameError(name, problem)
    if (name !== undefined && name !== 'default' && (await this.owner(name)) === 'none') {
      throw new BerthError(`Docker context "${name}" does not exist.`, {code: 'docker-config', hint: 'Run "docker context ls" to list contexts.'})
    }
    await setConfiguredContext(this.configDir, name)
  }

  private async readMeta(name: string): Promise<unknown> {
    return this.readMetaFile(join(this.metaDir(name), 'meta.json'), name)
  }

  /** A context's meta.json, parsed; undefined when there is none, null when it is not JSON. */
  private async readMetaFile(path: string, name: string): Promise<unknown> {
    let text: string
    try {
      text = await readFile(path, 'utf8')
    } catch (error) {
      if (isMissing(error)) return undefined
      throw new BerthError(`Cannot read docker context "${name}" (${path}): ${errorMessage(error)}`, {code: 'docker-config', cause: error})
    }
    try {
      return JSON.parse(text) as unknown
    } catch {
      // Unparseable, so not provably berth's: treat it as someone else's and leave it alone.
      return null
    }
  }

  private metaDir(name: string): string {
    return join(this.configDir, 'contexts', 'meta', contextId(name))
  }

  private tlsDir(name: string): string {
    return join(this.configDir, 'contexts', 'tls', contextId(name))
  }
}

/** Whose the context named `name` is, from its parsed meta.json (undefined when there is none). */
function markerOf(meta: unknown, name: string): ContextMarker {
  if (meta === undefined) return {kind: 'none'}
  const marker = isObject(meta) && isObject(meta.Metadata) ? meta.Metadata.berth : undefined
  const ours = isObject(meta) && meta.Name === name && isObject(marker) && marker.machine === name && typeof marker.store === 'string'
  if (!ours) return {kind: 'other'}
  const storeId = typeof marker.storeId === 'string' ? marker.storeId : undefined
  return {kind: 'berth', marker: {machine: name, store: marker.store as string, ...(storeId === undefined ? {} : {storeId})}}
}

function sameMarker(a: BerthMarker, b: BerthMarker): boolean {
  return a.machine === b.machine && a.store === b.store && a.storeId === b.storeId
}

/** The docker CLI names a context's directories by the SHA-256 of its name, in hex. */
export function contextId(name: string): string {
  return createHash('sha256').update(name).digest('hex')
}
