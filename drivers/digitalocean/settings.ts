import {resolve} from 'node:path'
import {BerthError, checkUrlHost, type FlagValues, prose, run, UsageError} from '../../src/driver-kit/index.js'
import {DEFAULT_API_URL, DEFAULT_IMAGE, DEFAULT_REGION, DEFAULT_SIZE} from './flags.js'

/** Every droplet berth makes carries this tag, so `ls` finds all of an account's machines with one listing. */
export const BERTH_TAG = 'berth'

/** What a machine of this driver is made from; persisted in config.json as it is (no secrets in here). */
export interface DigitalOceanSettings {
  /** The API base with its /v2, as digitalocean-js appends paths to it. */
  apiUrl: string
  region: string
  size: string
  image: string
  /** The user's tags; BERTH_TAG is added when the droplet is made. */
  tags: string[]
  ipv6: boolean
  privateNetworking: boolean
  backups: boolean
  monitoring: boolean
  userdataPath?: string
  sshUser: string
  sshPort: number
  /** An SSH key of the account (not imported by berth, so never removed by it) and its private key. */
  sshKeyFingerprint?: string
  sshKeyPath?: string
  /** The key the user gave, once sshKeyPath is the machine's copy of it: the one messages name. */
  sshKeyOrigin?: string
}

/** The settings plus what create learnt: the droplet's id, and the account it is in. */
export interface DigitalOceanState extends DigitalOceanSettings {
  dropletId?: number
  /** The uuid of the token's account at create: a token of another account must not make the droplet look gone. */
  accountUuid?: string
}

const SLUG = /^[a-z0-9][a-z0-9-]*$/
const IMAGE = /^([a-z0-9][a-z0-9.-]*|\d+)$/
// DigitalOcean's rule for tag names.
const TAG = /^[A-Za-z0-9_:-]{1,255}$/
const MD5_FINGERPRINT = /^([0-9a-f]{2}:){15}[0-9a-f]{2}$/
const USER = /^[a-z_][a-z0-9_.-]*$/i

/** Settings from create's flags (environment variables already applied by the parser), defaults filled in. */
export function settingsFromFlags(values: FlagValues): DigitalOceanSettings {
  const text = (flag: string): string | undefined => {
    const value = values[`digitalocean-${flag}`]
    return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined
  }
  const flagOn = (flag: string): boolean => values[`digitalocean-${flag}`] === true
  const region = text('region') ?? DEFAULT_REGION
  const size = text('size') ?? DEFAULT_SIZE
  const image = text('image') ?? DEFAULT_IMAGE
  if (!SLUG.test(region)) throw new UsageError(`--digitalocean-region ${JSON.stringify(region)} is not a region slug.`, {hint: 'Use a slug such as nyc3, ams3 or fra1.'})
  if (!SLUG.test(size)) throw new UsageError(`--digitalocean-size ${JSON.stringify(size)} is not a size slug.`, {hint: 'Use a slug such as s-1vcpu-2gb.'})
  if (!IMAGE.test(image)) throw new UsageError(`--digitalocean-image ${JSON.stringify(image)} is not an image slug or id.`, {hint: 'Use a slug such as ubuntu-24-04-x64, or a numeric image id.'})
  const tags = tagList(values['digitalocean-tags'])
  const sshUser = text('ssh-user') ?? 'root'
  if (!USER.test(sshUser)) throw new UsageError(`--digitalocean-ssh-user ${JSON.stringify(sshUser)} is not a user name.`)
  const sshPort = values['digitalocean-ssh-port'] ?? 22
  if (typeof sshPort !== 'number' || !Number.isInteger(sshPort) || sshPort < 1 || sshPort > 65535) throw new UsageError('--digitalocean-ssh-port must be a port number from 1 to 65535.')
  const fingerprint = text('ssh-key-fingerprint')?.toLowerCase()
  const keyPath = text('ssh-key-path')
  if (fingerprint !== undefined && !MD5_FINGERPRINT.test(fingerprint)) {
    throw new UsageError(`--digitalocean-ssh-key-fingerprint ${JSON.stringify(fingerprint)} is not an MD5 fingerprint.`, {hint: 'Give it as the DigitalOcean control panel shows it, e.g. 3b:16:bf:e4:8b:00:8b:b8:59:8c:a9:d3:f0:19:45:fa (ssh-keygen -E md5 -lf KEY.pub).'})
  }
  if ((fingerprint === undefined) !== (keyPath === undefined)) {
    throw new UsageError('--digitalocean-ssh-key-fingerprint and --digitalocean-ssh-key-path go together.', {hint: 'Pass both to use a key of your account (the fingerprint, and the private key berth logs in with), or neither to let berth make and import a key for the machine.'})
  }
  const userdata = text('userdata')
  return {
    apiUrl: apiBase(text('api-url') ?? DEFAULT_API_URL),
    region,
    size,
    image,
    tags,
    ipv6: flagOn('ipv6'),
    privateNetworking: flagOn('private-networking'),
    backups: flagOn('backups'),
    monitoring: flagOn('monitoring'),
    ...(userdata === undefined ? {} : {userdataPath: resolve(userdata)}),
    sshUser,
    sshPort,
    ...(fingerprint === undefined || keyPath === undefined ? {} : {sshKeyFingerprint: fingerprint, sshKeyPath: resolve(keyPath)}),
  }
}

/** Tags as Docker Machine took them (one comma-separated value) or repeated, each checked against DigitalOcean's rule. */
function tagList(given: FlagValues[string]): string[] {
  const values = Array.isArray(given) ? given : typeof given === 'string' ? [given] : []
  const tags = values.flatMap((value) => value.split(',')).map((tag) => tag.trim()).filter((tag) => tag !== '')
  const bad = tags.find((tag) => !TAG.test(tag))
  if (bad !== undefined) throw new UsageError(`--digitalocean-tags: ${JSON.stringify(bad)} is not a valid tag.`, {hint: 'Tags hold letters, digits, colons, dashes and underscores (at most 255).'})
  return [...new Set(tags)]
}

/**
 * The API base digitalocean-js needs: it appends "/droplets" and the like, so the /v2 belongs to the base. Users give
 * the base as DigitalOcean's own tools take it (https://api.digitalocean.com), or with the /v2; both work.
 */
export function apiBase(given: string): string {
  checkUrlHost('--digitalocean-api-url', given)
  let url: URL
  try {
    url = new URL(given)
  } catch {
    throw new UsageError(`--digitalocean-api-url ${JSON.stringify(given)} is not a URL.`, {hint: `Use the API's base URL, e.g. ${DEFAULT_API_URL}.`})
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new UsageError(`--digitalocean-api-url ${JSON.stringify(given)} is not an http(s) URL.`)
  if (url.search !== '' || url.hash !== '') throw new UsageError(`--digitalocean-api-url ${JSON.stringify(given)} must not have a query or fragment.`)
  const path = url.pathname.replace(/\/+$/, '')
  return `${url.origin}${path.endsWith('/v2') ? path : `${path}/v2`}`
}

/** The state a machine stored, checked enough that every later use can rely on its types. */
export function stateFromStored(stored: Record<string, unknown>): DigitalOceanState {
  const problems: string[] = []
  const want = (key: string, type: 'string' | 'number' | 'boolean', optional = false): void => {
    const value = stored[key]
    if (value === undefined && optional) return
    if (typeof value !== type) problems.push(`"${key}" is not a ${type}`)
  }
  for (const key of ['apiUrl', 'region', 'size', 'image', 'sshUser']) want(key, 'string')
  for (const key of ['ipv6', 'privateNetworking', 'backups', 'monitoring']) want(key, 'boolean')
  want('sshPort', 'number')
  for (const key of ['userdataPath', 'sshKeyFingerprint', 'sshKeyPath', 'sshKeyOrigin', 'accountUuid']) want(key, 'string', true)
  want('dropletId', 'number', true)
  if (!Array.isArray(stored.tags) || !stored.tags.every((tag) => typeof tag === 'string')) problems.push('"tags" is not a list of strings')
  if (problems.length > 0) throw new BerthError(`The digitalocean driver's stored state is damaged: ${problems.join(', ')}.`, {code: 'driver-state-damaged', data: {driver: 'digitalocean'}, hint: prose`Restore its config.json from a backup; or delete its droplet and SSH key in the DigitalOcean control panel (config.json lists their ids under "resources"), and only then forget the machine with ${run('rm', 'NAME', ['-f'])}.`})
  return stored as unknown as DigitalOceanState
}
