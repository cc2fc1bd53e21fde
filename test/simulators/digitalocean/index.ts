import type {HostInit, TestHost} from '../../hosts/index.js'
import {Cloud, newAccount} from './cloud.js'
import {FailureRules, type FailureRule} from './failures.js'
import type {Account, DropletHost, HostSource} from './model.js'
import {routes} from './routes.js'
import {ApiServer, type CallRecord} from './server.js'

export {capacity, forbidden, serverError, throttled, type FailureAnswer, type FailureRule} from './failures.js'
export type {CallRecord} from './server.js'

export interface DigitalOceanSimulatorOptions<Host extends DropletHost> {
  /** Where droplets' hosts come from (a TestHostPool): each droplet is a host without docker, root authorised with the droplet's key. */
  hosts: HostSource<Host>
  /** The tokens the API accepts, each an account of its own (default: one). */
  tokens?: readonly string[]
  dropletLimit?: number
  init?: HostInit
}

/** What a test sees of a droplet. */
export interface DropletInfo {
  id: number
  name: string
  status: string
  tags: string[]
  /** The public address (the host's), when it has one. */
  ip: string | undefined
  /** The account's token. */
  token: string
  /** Being deleted: its host is going down. */
  deleting: boolean
  /** As the create request asked. */
  region: string
  size: string
  image: string
  backups: boolean
  ipv6: boolean
  monitoring: boolean
  userData: string | undefined
}

export interface KeyInfo {
  id: number
  name: string
  fingerprint: string
  publicKey: string
  token: string
}

export interface DigitalOceanSimulator<Host extends DropletHost = TestHost> {
  /** The API's base, as --digitalocean-api-url takes it (without /v2). */
  readonly endpoint: string
  /** The first (or only) good token. */
  readonly token: string
  readonly calls: readonly CallRecord[]
  /** How many requests reached a route ("GET /v2/droplets"), with a good token. */
  count(route: string): number
  fail(rule: FailureRule): void
  /** Drop every failure rule. */
  clearFailures(): void
  /** The next `count` shutdown actions end as errored after afterMs, the droplet still running (its OS ignored them). */
  failShutdowns(count?: number, afterMs?: number): void
  droplets(): DropletInfo[]
  keys(): KeyInfo[]
  /** Add a key to an account, as a user would in the control panel. */
  addKey(name: string, publicKey: string, token?: string): KeyInfo
  host(dropletId: number): Host | undefined
  /** Host operations that failed, for a test's diagnostics. */
  readonly hostErrors: readonly string[]
  /** Wait until no host operation (boot, power, deletion) is running. */
  settle(): Promise<void>
  stop(): Promise<void>
}

export async function startDigitalOceanSimulator<Host extends DropletHost = TestHost>(options: DigitalOceanSimulatorOptions<Host>): Promise<DigitalOceanSimulator<Host>> {
  const tokens = options.tokens ?? ['dop_v1_simulated0000000000000000000000000000000000000000000000000000']
  const accounts = new Map<string, Account>(tokens.map((token) => [token, newAccount(token, options.dropletLimit ?? 10)]))
  const cloud = new Cloud({hosts: options.hosts, init: options.init ?? 'systemd'})
  const failures = new FailureRules()
  const server = await ApiServer.start(routes(cloud), accounts, failures)
  const account = (token: string): Account => {
    const found = accounts.get(token)
    if (found === undefined) throw new Error('The simulator has no account for this token.')
    return found
  }
  const keyInfo = (key: {id: number; name: string; fingerprint: string; publicKey: string; account: Account}): KeyInfo =>
    ({id: key.id, name: key.name, fingerprint: key.fingerprint, publicKey: key.publicKey, token: key.account.token})
  return {
    endpoint: server.base,
    token: tokens[0]!,
    calls: server.calls,
    count: (route) => server.calls.filter((call) => call.route === route && call.account !== undefined).length,
    fail: (rule) => failures.add(rule),
    clearFailures: () => failures.clear(),
    failShutdowns: (count = 1, afterMs = 500) => cloud.failShutdowns(count, afterMs),
    droplets: () => [...cloud.droplets.values()].map((droplet) => ({
      id: droplet.id,
      name: droplet.name,
      status: droplet.status,
      tags: droplet.tags,
      ip: droplet.status === 'new' ? undefined : droplet.host?.ip,
      token: droplet.account.token,
      deleting: droplet.deleting,
      region: droplet.region,
      size: droplet.size,
      image: droplet.image,
      backups: droplet.backups,
      ipv6: droplet.ipv6,
      monitoring: droplet.monitoring,
      userData: droplet.userData,
    })),
    keys: () => [...cloud.keys.values()].map(keyInfo),
    addKey: (name, publicKey, token = tokens[0]!) => keyInfo(cloud.createKey(account(token), {name, public_key: publicKey})),
    // The cloud holds the hosts this source made.
    host: (dropletId) => cloud.droplets.get(dropletId)?.host as Host | undefined,
    hostErrors: cloud.hostErrors,
    settle: () => cloud.settle(),
    stop: async () => {
      await server.close()
      await cloud.settle()
    },
  }
}
