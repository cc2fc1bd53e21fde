import {afterEach, beforeEach, describe, expect, it} from 'vitest'
import ssh2 from 'ssh2'
import {connectDigitalOcean, type DigitalOceanApi} from '../../drivers/digitalocean/api.js'
import {DigitalOceanApiError} from '../../drivers/digitalocean/api-error.js'
import {apiBase} from '../../drivers/digitalocean/settings.js'
import {serverError, startDigitalOceanSimulator, throttled, type DigitalOceanSimulator} from '../simulators/digitalocean/index.js'
import type {DropletHost, HostSource} from '../simulators/digitalocean/model.js'

// The driver's one module over digitalocean-js against the simulator's wire protocol: URLs, the Bearer token, paging,
// errors with status and body, retries. Droplets here never get a host (the wire, not the host, is under test):
// they stay "new".
const neverBoots: HostSource = {up: () => Promise.reject(new Error('no test hosts in this file'))}
const TOKENS = ['dop_v1_first0000000000000000000000000000000000000000000000000000000000', 'dop_v1_second000000000000000000000000000000000000000000000000000000000']

const publicKey = (): string => ssh2.utils.generateKeyPairSync('ed25519').public
const droplet = {region: 'nyc3', size: 's-1vcpu-2gb', image: 'ubuntu-24-04-x64', ssh_keys: [], backups: false, ipv6: false, private_networking: false, monitoring: false}

describe('the DigitalOcean API module over digitalocean-js', () => {
  let sim: DigitalOceanSimulator<DropletHost>
  let api: DigitalOceanApi
  const signal = new AbortController().signal
  const noRecovery = async (): Promise<undefined> => undefined

  beforeEach(async () => {
    sim = await startDigitalOceanSimulator({hosts: neverBoots, tokens: TOKENS, dropletLimit: 300})
    api = await connectDigitalOcean({baseUrl: apiBase(sim.endpoint), token: TOKENS[0]!})
  })

  afterEach(async () => {
    await sim.stop()
  })

  it('sends the token as a Bearer token to the base URL with its /v2, however the base is written', async () => {
    expect(apiBase('https://api.digitalocean.com')).toBe('https://api.digitalocean.com/v2')
    expect(apiBase('https://api.digitalocean.com/')).toBe('https://api.digitalocean.com/v2')
    expect(apiBase('https://api.digitalocean.com/v2/')).toBe('https://api.digitalocean.com/v2')
    expect(apiBase('http://proxy.example:8080/do')).toBe('http://proxy.example:8080/do/v2')
    expect((await api.account(signal)).status).toBe('active')
    expect(sim.calls.map((call) => [call.route, call.status, call.account])).toEqual([['GET /v2/account', 200, TOKENS[0]]])
  })

  it('turns a refusal into an error with the status and the API\'s id and message, and never retries it', async () => {
    const stranger = await connectDigitalOcean({baseUrl: apiBase(sim.endpoint), token: 'dop_v1_wrong'})
    const refused = await stranger.account(signal).catch((error: unknown) => error)
    expect(refused).toBeInstanceOf(DigitalOceanApiError)
    expect(refused).toMatchObject({status: 401, id: 'unauthorized', apiMessage: 'Unable to authenticate you', what: 'reading the account'})
    expect(String(refused)).not.toContain('dop_v1_wrong')
    const missing = await api.image('ubuntu-10-04-x64', signal).catch((error: unknown) => error)
    expect(missing).toMatchObject({status: 404, id: 'not_found'})
    expect(sim.calls.map((call) => call.status)).toEqual([401, 404])
  })

  it('keeps two tokens apart when their calls run at the same time', async () => {
    const second = await connectDigitalOcean({baseUrl: apiBase(sim.endpoint), token: TOKENS[1]!})
    await Promise.all([
      api.createSshKey('first', publicKey(), {signal, recover: noRecovery}),
      second.createSshKey('second', publicKey(), {signal, recover: noRecovery}),
      api.account(signal),
      second.account(signal),
    ])
    expect(sim.keys().map((key) => [key.name, key.token]).sort()).toEqual([['first', TOKENS[0]], ['second', TOKENS[1]]])
  })

  it('reads every page of a listing, 200 at a time', async () => {
    for (let index = 0; index < 230; index++) await api.createDroplet({...droplet, name: `d${index}`, tags: index < 210 ? ['berth'] : ['other']}, {signal, recover: noRecovery})
    const tagged = await api.dropletsByTag('berth', signal)
    expect(new Set(tagged.map((found) => found.name)).size).toBe(210)
    expect(sim.count('GET /v2/droplets')).toBe(2)
    expect(await api.dropletsByTag('other', signal)).toHaveLength(20)
    expect(sim.count('GET /v2/droplets')).toBe(3)
    expect((await api.sizes(signal)).map((size) => size.slug)).toContain('s-1vcpu-2gb')
    expect((await api.regions(signal)).map((region) => region.slug)).toContain('nyc3')
  })

  it('waits out a 429 until ratelimit-reset and tries again', async () => {
    sim.fail({route: 'GET /v2/account', answer: throttled(1)})
    const started = Date.now()
    expect((await api.account(signal)).status).toBe('active')
    expect(Date.now() - started).toBeGreaterThanOrEqual(500)
    expect(sim.calls.map((call) => call.status)).toEqual([429, 200])
  })

  it('retries server errors, and gives up with the last one', async () => {
    sim.fail({route: 'GET /v2/regions', times: 2, answer: serverError(503)})
    expect((await api.regions(signal)).length).toBeGreaterThan(0)
    expect(sim.calls.map((call) => call.status)).toEqual([503, 503, 200])
    sim.fail({route: 'GET /v2/sizes', times: Infinity, answer: serverError(500)})
    const failed = await api.sizes(signal).catch((error: unknown) => error)
    expect(failed).toMatchObject({status: 500, id: 'server_error'})
    expect(sim.count('GET /v2/sizes')).toBe(5)
  }, 60_000)

  it('after a create whose answer was lost, finds what it made instead of making it twice', async () => {
    sim.fail({route: 'POST /v2/droplets', after: true, answer: {status: 0, id: '', message: ''}})
    const made = await api.createDroplet({...droplet, name: 'once', tags: ['berth']}, {signal, recover: async () => (await api.dropletsByTag('berth', signal)).find((found) => found.name === 'once')})
    expect(made.name).toBe('once')
    expect(sim.droplets().map((found) => found.name)).toEqual(['once'])
    expect(sim.count('POST /v2/droplets')).toBe(1)
  })

  it('a creating request is not cut by Ctrl-C once sent: its answer is returned to be recorded', async () => {
    const controller = new AbortController()
    sim.fail({route: 'POST /v2/account/keys', answer: throttled(1)})
    const importing = api.createSshKey('k', publicKey(), {signal: controller.signal, recover: noRecovery})
    controller.abort(new Error('Interrupted'))
    await expect(importing).rejects.toThrow('Interrupted')
    expect(sim.count('POST /v2/account/keys')).toBe(1)
    const late = new AbortController()
    const sent = api.createSshKey('k2', publicKey(), {signal: late.signal, recover: noRecovery})
    setImmediate(() => late.abort(new Error('Interrupted')))
    expect((await sent).name).toBe('k2')
  })
})
