import {AsyncLocalStorage} from 'node:async_hooks'
import type {AxiosError, AxiosInstance} from 'axios'
import type {DigitalOcean} from 'digitalocean-js'
import {retrying} from '../../src/driver-kit/index.js'
import {DigitalOceanApiError} from './api-error.js'
import type {Account, Action, Droplet, DropletRequest, Image, PowerAction, Region, Size, SshKey} from './api-types.js'

/**
 * The only module that touches digitalocean-js; the driver imports it when it first talks to the API, so `berth env`,
 * `ls` of other drivers' machines and `create --help` never load it.
 *
 * digitalocean-js keeps one axios instance for the whole process: `new DigitalOcean(token, url)` writes the token
 * and base URL into its defaults, and its methods take no per-call options. berth needs more per call (the token
 * and API of this machine, Ctrl-C, a timeout, the page to fetch), so one request interceptor fills them in from the
 * call that is running (AsyncLocalStorage), and one response interceptor keeps the paging links the methods drop.
 */

/** Where the API is and who asks. baseUrl ends with /v2: digitalocean-js appends paths like /droplets to it. */
export interface ApiTarget {
  baseUrl: string
  token: string
}

/** One call's options. A creating POST is sent without the abort signal: once sent, its answer must be recorded. */
interface CallOptions {
  signal: AbortSignal
  uninterruptible?: boolean
}

export interface DigitalOceanApi {
  account(signal: AbortSignal): Promise<Account>
  regions(signal: AbortSignal): Promise<Region[]>
  sizes(signal: AbortSignal): Promise<Size[]>
  image(slugOrId: string, signal: AbortSignal): Promise<Image>
  sshKey(idOrFingerprint: string, signal: AbortSignal): Promise<SshKey>
  /** recover: after an answer that leaves it open whether the key was made, finds it (else the POST is repeated). */
  createSshKey(name: string, publicKey: string, options: CallOptions & {recover: () => Promise<SshKey | undefined>}): Promise<SshKey>
  deleteSshKey(id: string, signal: AbortSignal): Promise<void>
  createDroplet(request: DropletRequest, options: CallOptions & {recover: () => Promise<Droplet | undefined>}): Promise<Droplet>
  droplet(id: number, signal: AbortSignal): Promise<Droplet>
  /** Every droplet with the tag, all pages. */
  dropletsByTag(tag: string, signal: AbortSignal): Promise<Droplet[]>
  deleteDroplet(id: number, signal: AbortSignal): Promise<void>
  dropletAction(id: number, type: PowerAction, options: CallOptions & {recover: () => Promise<Action | undefined>}): Promise<Action>
  dropletActions(id: number, signal: AbortSignal): Promise<Action[]>
  action(dropletId: number, actionId: number, signal: AbortSignal): Promise<Action>
}

const REQUEST_TIMEOUT_MS = 30_000
/** A rate limit that frees no request sooner than this is reported (with its reset time) rather than waited out. */
const MAX_THROTTLE_WAIT_MS = 60_000
/** The API's largest page. */
const PER_PAGE = 200
/** A bound on paging, against an API that keeps offering a next page. */
const MAX_PAGES = 100

interface RunningCall {
  target: ApiTarget
  signal: AbortSignal | undefined
  page?: number
  /** The `links.pages.next` of the last answer, when it had one. */
  next?: string
}

const calls = new AsyncLocalStorage<RunningCall>()
let loaded: Promise<typeof DigitalOcean> | undefined

/** digitalocean-js, with berth's interceptors installed once on its axios instance. */
function loadSdk(): Promise<typeof DigitalOcean> {
  loaded ??= (async () => {
    const [{DigitalOcean: Client}, {instance}] = await Promise.all([
      import('digitalocean-js'),
      import('digitalocean-js/src/lib/axios-instance.js'),
    ])
    installInterceptors(instance)
    return Client
  })()
  return loaded
}

function installInterceptors(instance: AxiosInstance): void {
  // synchronous: axios then runs it inside the method call, where the running call is known.
  instance.interceptors.request.use((config) => {
    const call = calls.getStore()
    if (call === undefined) throw new Error('digitalocean-js was called outside berth\'s API module')
    config.baseURL = call.target.baseUrl
    config.headers = {...config.headers}
    config.headers.Authorization = `Bearer ${call.target.token}`
    config.signal = call.signal
    config.timeout = REQUEST_TIMEOUT_MS
    // Redirects would carry the token elsewhere; the API does not redirect.
    config.maxRedirects = 0
    if (call.page !== undefined) config.params = {...(config.params as Record<string, unknown> | undefined), page: call.page, per_page: PER_PAGE}
    return config
  }, undefined, {synchronous: true})
  instance.interceptors.response.use((response) => {
    const call = calls.getStore()
    if (call !== undefined) call.next = nextPage(response.data)
    return response
  })
}

function nextPage(body: unknown): string | undefined {
  const next = (body as {links?: {pages?: {next?: unknown}}} | undefined)?.links?.pages?.next
  return typeof next === 'string' ? next : undefined
}

export async function connectDigitalOcean(target: ApiTarget): Promise<DigitalOceanApi> {
  const Client = await loadSdk()
  const client = new Client(target.token, target.baseUrl)

  /** One request through digitalocean-js, its failure turned into a DigitalOceanApiError (no axios config: it holds the token). */
  const request = async <T>(what: string, options: CallOptions, work: () => Promise<T>, page?: number): Promise<{value: T; next?: string}> => {
    options.signal.throwIfAborted()
    const call: RunningCall = {target, signal: options.uninterruptible === true ? undefined : options.signal, ...(page === undefined ? {} : {page})}
    try {
      const value = await calls.run(call, work)
      return {value, ...(call.next === undefined ? {} : {next: call.next})}
    } catch (error) {
      // An uninterruptible request's failure stands, so that what it may have made is looked for (recover).
      if (options.uninterruptible !== true) options.signal.throwIfAborted()
      throw apiError(what, error)
    }
  }
  /**
   * A request, again after throttling (when the API said how long to wait, and not too long), 5xx and lost
   * connections. recover: after a failure that leaves open whether a creating request was carried out, what it
   * made; found, it is the answer and the request is not repeated.
   */
  const retried = <T>(what: string, options: CallOptions & {recover?: () => Promise<T | undefined>}, work: () => Promise<T>): Promise<T> => retrying(async () => {
    try {
      return (await request(what, options, work)).value
    } catch (error) {
      const found = error instanceof DigitalOceanApiError && error.ambiguous ? await options.recover?.() : undefined
      if (found !== undefined) return found
      throw error
    }
  }, retryPolicy(options.signal))
  const paged = async <T>(what: string, signal: AbortSignal, work: () => Promise<T[]>): Promise<T[]> => {
    const all: T[] = []
    for (let page = 1; page <= MAX_PAGES; page++) {
      const {value, next} = await retrying(() => request(what, {signal}, work, page), retryPolicy(signal))
      all.push(...value)
      if (next === undefined || value.length === 0) return all
    }
    throw new Error(`${what}: the API offered more than ${MAX_PAGES} pages`)
  }
  const ignoreNotFound = async (work: () => Promise<void>): Promise<void> => {
    try {
      await work()
    } catch (error) {
      if (!(error instanceof DigitalOceanApiError && error.status === 404)) throw error
    }
  }

  return {
    account: (signal) => retried('reading the account', {signal}, () => client.account.getUserInformation() as Promise<Account>),
    regions: (signal) => paged('listing regions', signal, () => client.regions.getAllRegions() as Promise<Region[]>),
    sizes: (signal) => paged('listing sizes', signal, () => client.sizes.getAllSizes(PER_PAGE) as Promise<Size[]>),
    image: (slugOrId, signal) => retried(`reading image ${slugOrId}`, {signal}, () => client.images.getExistingImageBySlug(slugOrId) as Promise<Image>),
    sshKey: (idOrFingerprint, signal) => retried(`reading SSH key ${idOrFingerprint}`, {signal}, () => client.ssh.getExistingKey(idOrFingerprint) as Promise<SshKey>),
    createSshKey: (name, publicKey, options) => retried(`importing SSH key ${name}`, {...options, uninterruptible: true}, () => client.ssh.createNewKey({name, public_key: publicKey}) as Promise<SshKey>),
    deleteSshKey: (id, signal) => ignoreNotFound(() => retried(`deleting SSH key ${id}`, {signal}, async () => {
      await client.ssh.deleteKey(id)
    })),
    createDroplet: (dropletRequest, options) => retried(`creating droplet ${dropletRequest.name}`, {...options, uninterruptible: true}, () => client.droplets.createNewDroplet(dropletRequest) as Promise<Droplet>),
    droplet: (id, signal) => retried(`reading droplet ${id}`, {signal}, () => client.droplets.getExistingDroplet(id) as Promise<Droplet>),
    dropletsByTag: (tag, signal) => paged(`listing droplets tagged ${tag}`, signal, () => client.droplets.getDropletsByTag(tag) as Promise<Droplet[]>),
    deleteDroplet: (id, signal) => ignoreNotFound(() => retried(`deleting droplet ${id}`, {signal}, async () => {
      await client.droplets.deleteDroplet(id)
    })),
    dropletAction: (id, type, options) => retried(`${type} on droplet ${id}`, {...options, uninterruptible: true}, () => postAction(client, id, type)),
    dropletActions: (id, signal) => retried(`listing actions of droplet ${id}`, {signal}, () => client.droplets.getDropletActions(id) as Promise<Action[]>),
    action: (dropletId, actionId, signal) => retried(`reading action ${actionId}`, {signal}, () => client.dropletActions.getExistingDropletAction(dropletId, actionId) as Promise<Action>),
  }
}

function retryPolicy(signal: AbortSignal): Parameters<typeof retrying>[1] {
  return {
    signal,
    baseDelayMs: 1000,
    maxDelayMs: MAX_THROTTLE_WAIT_MS,
    isTransient: (error) => error instanceof DigitalOceanApiError && (error.status === 429 ? (error.retryAfterMs ?? 0) <= MAX_THROTTLE_WAIT_MS : (error.status ?? 0) >= 500 || error.network !== undefined),
    // A little past the moment the API named, so that the request does not arrive a hair too early.
    retryAfterMs: (error) => error instanceof DigitalOceanApiError && error.retryAfterMs !== undefined ? error.retryAfterMs + 250 : undefined,
  }
}

/** The power actions berth uses, through digitalocean-js's method for each. */
function postAction(client: DigitalOcean, id: number, type: PowerAction): Promise<Action> {
  const actions = client.dropletActions
  switch (type) {
    case 'power_on': return actions.powerOnDroplet(id)
    case 'power_off': return actions.powerOffDroplet(id)
    case 'shutdown': return actions.shutdownDroplet(id)
    case 'reboot': return actions.rebootDroplet(id)
  }
}

/** What a failed request tells: the HTTP status and the API's {id, message}, and when to try again after a 429. */
function apiError(what: string, error: unknown): DigitalOceanApiError {
  const axiosError = error as Partial<AxiosError<{id?: unknown; message?: unknown}>>
  const response = axiosError.response
  if (response === undefined) {
    const code = typeof axiosError.code === 'string' ? axiosError.code : undefined
    const reason = code ?? (error instanceof Error ? error.message : String(error))
    return new DigitalOceanApiError(what, {network: code ?? reason})
  }
  const body = response.data
  const id = typeof body?.id === 'string' ? body.id : undefined
  const message = typeof body?.message === 'string' ? body.message : response.statusText
  const headers = response.headers as Record<string, string | undefined>
  return new DigitalOceanApiError(what, {
    status: response.status,
    ...(id === undefined ? {} : {id}),
    apiMessage: message,
    ...retryHints(headers),
  })
}

/** Retry-After (seconds) where the API sends it (burst limit), else ratelimit-reset (epoch seconds) once nothing remains. */
function retryHints(headers: Record<string, string | undefined>): {retryAfterMs?: number; resetsAt?: Date} {
  const hints: {retryAfterMs?: number; resetsAt?: Date} = {}
  const retryAfter = Number(headers['retry-after'])
  if (headers['retry-after'] !== undefined && Number.isFinite(retryAfter) && retryAfter >= 0) hints.retryAfterMs = retryAfter * 1000
  const reset = Number(headers['ratelimit-reset'])
  if (headers['ratelimit-reset'] !== undefined && Number.isFinite(reset) && reset > 0) {
    hints.resetsAt = new Date(reset * 1000)
    if (hints.retryAfterMs === undefined && headers['ratelimit-remaining'] === '0') hints.retryAfterMs = Math.max(0, reset * 1000 - Date.now())
  }
  return hints
}
