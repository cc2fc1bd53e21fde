import ssh2 from 'ssh2'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'
import {forbidden, startDigitalOceanSimulator, throttled, type DigitalOceanSimulator} from '../simulators/digitalocean/index.js'
import type {DropletHost, HostSource} from '../simulators/digitalocean/model.js'

// The simulated v2 API spoken to with plain HTTP, the way DigitalOcean documents it: what it refuses and how, its
// headers, paging and injected failures. (Droplets get no host here, so they stay "new".)
const noHosts: HostSource = {up: () => Promise.reject(new Error('no test hosts in this file'))}

describe('the DigitalOcean API simulator', () => {
  let sim: DigitalOceanSimulator<DropletHost>
  const call = async (method: string, path: string, body?: unknown, token: string | null = sim.token): Promise<{status: number; headers: Headers; json: Record<string, unknown>}> => {
    const response = await fetch(`${sim.endpoint}${path}`, {
      method,
      headers: {'content-type': 'application/json', ...(token === null ? {} : {authorization: `Bearer ${token}`})},
      ...(body === undefined ? {} : {body: JSON.stringify(body)}),
    })
    const text = await response.text()
    return {status: response.status, headers: response.headers, json: text === '' ? {} : JSON.parse(text) as Record<string, unknown>}
  }
  const droplet = {name: 'web-1', region: 'nyc3', size: 's-1vcpu-2gb', image: 'ubuntu-24-04-x64'}

  beforeEach(async () => {
    sim = await startDigitalOceanSimulator({hosts: noHosts, dropletLimit: 3})
  })

  afterEach(async () => {
    await sim.stop()
  })

  it('answers a missing or unknown token with 401 unauthorized, and every good request with the rate-limit headers', async () => {
    for (const token of [null, 'dop_v1_unknown']) {
      expect(await call('GET', '/v2/account', undefined, token)).toMatchObject({status: 401, json: {id: 'unauthorized', message: 'Unable to authenticate you'}})
    }
    const first = await call('GET', '/v2/account')
    const second = await call('GET', '/v2/regions')
    expect(first.headers.get('ratelimit-limit')).toBe('5000')
    expect(Number(second.headers.get('ratelimit-remaining'))).toBe(Number(first.headers.get('ratelimit-remaining')) - 1)
    expect(Number(first.headers.get('ratelimit-reset'))).toBeGreaterThan(Date.now() / 1000)
  })

  it('validates droplets as the API does: 422 unprocessable_entity naming the problem, 404 not_found for unknown ids', async () => {
    const refusals: [Record<string, unknown>, string][] = [
      [{...droplet, name: ''}, 'Name can\'t be blank'],
      [{...droplet, name: 'web_1'}, 'Only valid hostname characters are allowed. (a-z, A-Z, 0-9, . and -)'],
      [{...droplet, region: 'mars1'}, 'You specified an invalid region for Droplet creation.'],
      [{...droplet, size: 's-99vcpu'}, 'You specified an invalid size for Droplet creation.'],
      [{...droplet, size: 'so-2vcpu-16gb', region: 'ams3'}, 'Size is not available in this region.'],
      [{...droplet, image: 'ubuntu-10-04-x64'}, 'You specified an invalid image for Droplet creation.'],
      [{...droplet, ssh_keys: [12345]}, 'The SSH key 12345 you specified is invalid.'],
      [{...droplet, tags: ['no spaces']}, 'Tag names may only contain letters, numbers, colons, dashes and underscores.'],
    ]
    for (const [body, message] of refusals) expect(await call('POST', '/v2/droplets', body)).toMatchObject({status: 422, json: {id: 'unprocessable_entity', message}})
    expect(await call('GET', '/v2/droplets/42')).toMatchObject({status: 404, json: {id: 'not_found'}})
    expect(await call('DELETE', '/v2/account/keys/42')).toMatchObject({status: 404})
    expect((await call('GET', '/v2/images/ubuntu-24-04-x64')).json).toMatchObject({image: {slug: 'ubuntu-24-04-x64', regions: expect.arrayContaining(['nyc3']) as unknown}})
    expect(sim.droplets()).toEqual([])
  })

  it('makes droplets "new" with a create action, refuses actions until they are made, and keeps the droplet limit', async () => {
    const made = await call('POST', '/v2/droplets', {...droplet, tags: ['berth']})
    expect(made.status).toBe(202)
    const created = made.json.droplet as {id: number; status: string; networks: {v4: unknown[]}}
    expect(created).toMatchObject({status: 'new', networks: {v4: []}})
    expect(made.json.links).toMatchObject({actions: [{rel: 'create'}]})
    expect(await call('POST', `/v2/droplets/${created.id}/actions`, {type: 'power_off'})).toMatchObject({status: 422, json: {message: 'Droplet is currently being created.'}})
    expect(await call('POST', `/v2/droplets/${created.id}/actions`, {type: 'rebuild'})).toMatchObject({status: 422, json: {message: 'Action type is not valid.'}})
    await call('POST', '/v2/droplets', {...droplet, name: 'web-2'})
    await call('POST', '/v2/droplets', {...droplet, name: 'web-3'})
    expect(await call('POST', '/v2/droplets', {...droplet, name: 'web-4'})).toMatchObject({status: 422, json: {message: 'creating this/these droplet(s) will exceed your droplet limit'}})
    const tagged = await call('GET', '/v2/droplets?tag_name=berth')
    expect(tagged.json).toMatchObject({droplets: [{id: created.id}], links: {}, meta: {total: 1}})
  })

  it('imports keys with their MD5 fingerprint, refuses a malformed or duplicate one, and finds a key by id or fingerprint', async () => {
    const key = ssh2.utils.generateKeyPairSync('ed25519', {comment: 'x'}).public
    const made = await call('POST', '/v2/account/keys', {name: 'k', public_key: key})
    expect(made.status).toBe(201)
    const {id, fingerprint} = made.json.ssh_key as {id: number; fingerprint: string}
    expect(fingerprint).toMatch(/^([0-9a-f]{2}:){15}[0-9a-f]{2}$/)
    expect(await call('POST', '/v2/account/keys', {name: 'again', public_key: key})).toMatchObject({status: 422, json: {message: 'SSH Key is already in use on your account'}})
    expect(await call('POST', '/v2/account/keys', {name: 'bad', public_key: 'ssh-ed25519 bm90IGEga2V5'})).toMatchObject({status: 422})
    expect((await call('GET', `/v2/account/keys/${fingerprint}`)).json).toMatchObject({ssh_key: {id}})
    expect((await call('DELETE', `/v2/account/keys/${id}`)).status).toBe(204)
    expect((await call('GET', `/v2/account/keys/${id}`)).status).toBe(404)
  })

  it('pages listings with links and meta, up to 200 a page', async () => {
    const first = await call('GET', '/v2/sizes?per_page=5')
    expect((first.json.sizes as unknown[]).length).toBe(5)
    const pages = (first.json.links as {pages: Record<string, string>}).pages
    expect(pages.next).toBe(`${sim.endpoint}/v2/sizes?per_page=5&page=2`)
    expect(pages.last).toMatch(/page=3$/)
    const last = await call('GET', new URL(pages.last!).pathname + new URL(pages.last!).search)
    expect((last.json.links as {pages: Record<string, string>}).pages).toEqual({first: expect.stringMatching(/page=1/) as unknown, prev: expect.stringMatching(/page=2/) as unknown})
    expect(last.json.meta).toEqual({total: 13})
  })

  it('fails the Nth call of a route as told, with the failure\'s headers', async () => {
    sim.fail({route: 'GET /v2/account', nth: 2, times: 2, answer: forbidden})
    sim.fail({route: 'GET /v2/regions', answer: throttled(30, {retryAfter: true})})
    expect((await Promise.all([1, 2, 3, 4].map(() => call('GET', '/v2/account')))).map((answer) => answer.status).sort()).toEqual([200, 200, 403, 403])
    const limited = await call('GET', '/v2/regions')
    expect(limited).toMatchObject({status: 429, json: {id: 'too_many_requests', message: 'API Rate limit exceeded.'}})
    expect(limited.headers.get('ratelimit-remaining')).toBe('0')
    expect(limited.headers.get('retry-after')).toBe('30')
    expect((await call('GET', '/v2/regions')).status).toBe(200)
    expect(sim.count('GET /v2/account')).toBe(4)
  })
})
