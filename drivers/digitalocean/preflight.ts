import {stat} from 'node:fs/promises'
import {BerthError} from '../../src/driver-kit/index.js'
import {DigitalOceanApiError} from './api-error.js'
import type {DigitalOceanApi} from './api.js'
import type {Account, Image, Region, Size} from './api-types.js'
import {privateKeyFingerprint} from './fingerprint.js'
import type {DigitalOceanSettings} from './settings.js'

/** DigitalOcean's limit on user data. */
const MAX_USERDATA_BYTES = 64 * 1024

/** What can be checked on this computer: the files the flags name. */
export async function checkLocalFiles(settings: DigitalOceanSettings): Promise<void> {
  if (settings.userdataPath !== undefined) {
    const info = await stat(settings.userdataPath).catch(() => undefined)
    if (info?.isFile() !== true) throw new BerthError(`The user data file ${settings.userdataPath} does not exist.`, {code: 'cloud-check', hint: 'Pass --digitalocean-userdata with a readable file.'})
    if (info.size > MAX_USERDATA_BYTES) throw new BerthError(`The user data file ${settings.userdataPath} has ${info.size} bytes; DigitalOcean takes at most ${MAX_USERDATA_BYTES}.`, {code: 'cloud-check'})
  }
  if (settings.sshKeyPath !== undefined && settings.sshKeyFingerprint !== undefined) {
    const fingerprint = await privateKeyFingerprint(settings.sshKeyPath).catch(() => {
      throw new BerthError(`The SSH key ${settings.sshKeyPath} cannot be read.`, {code: 'cloud-check', hint: 'Pass --digitalocean-ssh-key-path with the private key of the key named by --digitalocean-ssh-key-fingerprint.'})
    })
    if (fingerprint !== undefined && fingerprint !== settings.sshKeyFingerprint) {
      throw new BerthError(`The SSH key ${settings.sshKeyPath} has the fingerprint ${fingerprint}, not ${settings.sshKeyFingerprint}.`, {code: 'cloud-check', hint: 'Pass the private key that belongs to --digitalocean-ssh-key-fingerprint.'})
    }
  }
}

/** The token works, the account may make droplets, and the region, size, image (and the user's key) exist and fit together. */
export async function checkAccount(api: DigitalOceanApi, settings: DigitalOceanSettings, signal: AbortSignal): Promise<Account> {
  const account = await api.account(signal)
  if (account.status === 'locked') throw new BerthError(`The DigitalOcean account ${account.email} is locked: ${account.status_message || 'it cannot make droplets'}.`, {code: 'cloud-check', hint: 'Resolve it in the DigitalOcean control panel.'})
  const [regions, sizes, image] = await Promise.all([
    api.regions(signal),
    api.sizes(signal),
    api.image(settings.image, signal).catch((error: unknown) => notFound(error, () => new BerthError(`DigitalOcean has no image ${JSON.stringify(settings.image)}.`, {code: 'cloud-check', hint: 'Pass --digitalocean-image with an image slug such as ubuntu-24-04-x64 (doctl compute image list-distribution), or an image id of the account.'}))),
    settings.sshKeyFingerprint === undefined ? undefined : api.sshKey(settings.sshKeyFingerprint, signal).catch((error: unknown) => notFound(error, () => new BerthError(`The DigitalOcean account has no SSH key with the fingerprint ${settings.sshKeyFingerprint}.`, {code: 'cloud-check', hint: 'Add the key to the account, or leave out --digitalocean-ssh-key-fingerprint and --digitalocean-ssh-key-path so berth imports a key for the machine.'}))),
  ])
  checkRegion(regions, settings.region)
  const size = checkSize(sizes, settings)
  checkImage(image, size, sizes, settings)
  return account
}

function notFound(error: unknown, explain: () => BerthError): never {
  throw error instanceof DigitalOceanApiError && error.status === 404 ? explain() : error
}

function checkRegion(regions: readonly Region[], slug: string): void {
  const region = regions.find((candidate) => candidate.slug === slug)
  const open = regions.filter((candidate) => candidate.available).map((candidate) => candidate.slug).sort()
  if (region === undefined) throw new BerthError(`DigitalOcean has no region ${JSON.stringify(slug)}.`, {code: 'cloud-check', hint: `Pass --digitalocean-region with one of: ${open.join(', ')}.`})
  if (!region.available) throw new BerthError(`The DigitalOcean region ${slug} takes no new droplets.`, {code: 'cloud-check', hint: `Pass --digitalocean-region with one of: ${open.join(', ')}.`})
}

/** The sizes a droplet in the region can have, as the API lists them. */
function sizesIn(sizes: readonly Size[], region: string): Size[] {
  return sizes.filter((candidate) => candidate.available && candidate.regions.includes(region))
}

function listed(slugs: readonly string[]): string {
  return `${slugs.slice(0, 8).join(', ')}${slugs.length > 8 ? ', ...' : ''}`
}

function checkSize(sizes: readonly Size[], settings: DigitalOceanSettings): Size {
  const size = sizes.find((candidate) => candidate.slug === settings.size)
  const choices = `Sizes in ${settings.region} include: ${listed(sizesIn(sizes, settings.region).map((candidate) => candidate.slug))} (doctl compute size list).`
  if (size === undefined) throw new BerthError(`DigitalOcean has no droplet size ${JSON.stringify(settings.size)}.`, {code: 'cloud-check', hint: `Pass --digitalocean-size with a size slug. ${choices}`})
  if (!size.available || !size.regions.includes(settings.region)) {
    throw new BerthError(`The droplet size ${settings.size} is not available in ${settings.region}.`, {code: 'cloud-check', hint: `Choose another --digitalocean-size or --digitalocean-region. ${choices}`})
  }
  return size
}

function checkImage(image: Image, size: Size, sizes: readonly Size[], settings: DigitalOceanSettings): void {
  // Images that are not in a region yet (being transferred) list none; DigitalOcean refuses those as well.
  if (!image.regions.includes(settings.region)) {
    throw new BerthError(`The image ${settings.image} is not available in ${settings.region}.`, {code: 'cloud-check', hint: `Choose another --digitalocean-region (it is in: ${image.regions.join(', ') || 'none yet'}) or another --digitalocean-image.`})
  }
  const tooSmall = diskProblem(image.min_disk_size, size, sizesIn(sizes, settings.region), settings)
  if (tooSmall !== undefined) throw tooSmall
}

/**
 * An image (a snapshot above all) needs at least the disk of the droplet it was taken from; DigitalOcean refuses
 * a size with less. The hint names the sizes of the region that have enough, smallest disk first.
 */
export function diskProblem(minDiskSize: number, size: Size, sizesHere: readonly Size[], settings: Pick<DigitalOceanSettings, 'image' | 'region'>): BerthError | undefined {
  if (minDiskSize <= size.disk) return undefined
  const fitting = sizesHere.filter((candidate) => candidate.disk >= minDiskSize).sort((a, b) => a.disk - b.disk || a.memory - b.memory)
  const hint = fitting.length === 0
    ? `No size in ${settings.region} has that much: choose another --digitalocean-region or --digitalocean-image.`
    : `Pass --digitalocean-size with one that does, such as ${listed(fitting.map((candidate) => candidate.slug))}.`
  return new BerthError(`The image ${settings.image} needs a disk of at least ${minDiskSize} GB, and size ${size.slug} has ${size.disk} GB.`, {code: 'cloud-check', hint})
}
