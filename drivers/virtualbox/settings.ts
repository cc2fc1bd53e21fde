import {availableParallelism, homedir} from 'node:os'
import {isAbsolute, resolve} from 'node:path'
import {type FlagValues, UsageError} from '../../src/driver-kit/index.js'
import {DEFAULTS, DEFAULT_IMAGE, REFUSED_FLAGS} from './flags.js'
import {cidrText, parseCidr} from './network.js'

/** A folder shared with the VM: the host's directory and the share's name. */
export interface ShareFolder {
  hostPath: string
  name: string
}

/** What the user chose for a machine, with defaults applied. */
export interface VBoxSettings {
  memory: number
  cpus: number
  diskSizeMb: number
  /** An http(s) URL, file:// URL or absolute path. */
  imageUrl: string
  /** sha256:HEX, sha512:HEX, or a checksum file's URL or path. */
  imageChecksum?: string
  /** The image is berth's default (a cloud image without VirtualBox guest additions). */
  defaultImage: boolean
  sshUser: string
  /** The requested host-only CIDR (192.168.56.1/24); none: berth picks a free network. */
  hostOnlyCidr?: string
  hostOnlyNicType: string
  hostOnlyNicPromisc: string
  hostOnlyNoDhcp: boolean
  natNicType: string
  hostDnsResolver: boolean
  noDnsProxy: boolean
  uiType: string
  share?: ShareFolder
  noVtxCheck: boolean
  stopTimeoutSeconds: number
}

const NIC_TYPES = ['82540EM', '82543GC', '82545EM', 'Am79C970A', 'Am79C973', 'Am79C960', 'virtio']
const PROMISC = ['deny', 'allow-vms', 'allow-all']
export const UI_TYPES = ['headless', 'gui', 'sdl', 'separate']
const USER = /^[a-z_][a-z0-9_-]{0,31}$/

/** The home folder share Docker Machine made: /Users on macOS, /home on Linux, C:\Users on Windows. */
export function defaultShare(platform: NodeJS.Platform, env: NodeJS.ProcessEnv): ShareFolder | undefined {
  if (platform === 'darwin') return {hostPath: '/Users', name: 'Users'}
  if (platform === 'win32') return {hostPath: `${env.SystemDrive ?? 'C:'}\\Users`, name: 'c/Users'}
  if (platform === 'linux') return {hostPath: '/home', name: 'hosthome'}
  return undefined
}

/** Settings from create's flags; every check that needs no VBoxManage call happens here. */
export function settingsFromFlags(values: FlagValues, env: NodeJS.ProcessEnv, platform: NodeJS.Platform = process.platform): VBoxSettings {
  for (const [flag, replacement] of Object.entries(REFUSED_FLAGS)) {
    if (values[flag] !== undefined) throw new UsageError(`--${flag} is not supported: ${replacement}`)
  }
  const string = (flag: string): string | undefined => {
    const value = values[`virtualbox-${flag}`]
    return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined
  }
  const integer = (flag: string, fallback: number, min: number, max: number): number => {
    const value = values[`virtualbox-${flag}`] ?? fallback
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) throw new UsageError(`--virtualbox-${flag} must be a whole number from ${min} to ${max}.`)
    return value
  }
  const oneOf = (flag: string, fallback: string, allowed: readonly string[]): string => {
    const value = string(flag) ?? fallback
    const found = allowed.find((candidate) => candidate.toLowerCase() === value.toLowerCase())
    if (found === undefined) throw new UsageError(`--virtualbox-${flag} "${value}" is not one of ${allowed.join(', ')}.`)
    return found
  }
  const flag = (name: string): boolean => values[`virtualbox-${name}`] === true

  const requestedCpus = integer('cpu-count', DEFAULTS.cpus, -1, 32)
  if (requestedCpus === 0) throw new UsageError('--virtualbox-cpu-count must be -1 (all the host\'s CPUs) or from 1 to 32.')
  const cidrFlag = string('hostonly-cidr')
  let hostOnlyCidr: string | undefined
  if (cidrFlag !== undefined) {
    const cidr = parseCidr(cidrFlag)
    if (typeof cidr === 'string') throw new UsageError(`--virtualbox-hostonly-cidr: ${cidr}.`)
    hostOnlyCidr = cidrText(cidr)
  }
  const sshUser = string('ssh-user') ?? DEFAULTS.sshUser
  if (!USER.test(sshUser) || sshUser === 'root') throw new UsageError(`--virtualbox-ssh-user "${sshUser}" is not a user name cloud-init can make (lowercase letters, digits, _ and -; not root).`)
  const image = string('image-url')
  const checksum = string('image-checksum')
  if (checksum !== undefined && image === undefined) throw new UsageError('--virtualbox-image-checksum needs --virtualbox-image-url (the default image is checked against its publisher\'s SHA256SUMS).')

  return {
    memory: integer('memory', DEFAULTS.memory, 256, 1_048_576),
    cpus: requestedCpus === -1 ? Math.min(32, availableParallelism()) : requestedCpus,
    diskSizeMb: integer('disk-size', DEFAULTS.diskSizeMb, 1024, 2 ** 31),
    imageUrl: image === undefined ? DEFAULT_IMAGE.url : imageSource(image),
    ...(image === undefined ? {imageChecksum: DEFAULT_IMAGE.checksumFile} : checksum === undefined ? {} : {imageChecksum: checksumSource(checksum)}),
    defaultImage: image === undefined,
    sshUser,
    ...(hostOnlyCidr === undefined ? {} : {hostOnlyCidr}),
    hostOnlyNicType: oneOf('hostonly-nictype', DEFAULTS.nicType, NIC_TYPES),
    hostOnlyNicPromisc: oneOf('hostonly-nicpromisc', DEFAULTS.nicPromisc, PROMISC),
    hostOnlyNoDhcp: flag('hostonly-no-dhcp'),
    natNicType: oneOf('nat-nictype', DEFAULTS.nicType, NIC_TYPES),
    hostDnsResolver: flag('host-dns-resolver'),
    noDnsProxy: flag('no-dns-proxy'),
    uiType: oneOf('ui-type', DEFAULTS.uiType, UI_TYPES),
    ...shareSetting(flag('no-share'), string('share-folder'), platform, env),
    noVtxCheck: flag('no-vtx-check'),
    stopTimeoutSeconds: integer('stop-timeout', DEFAULTS.stopTimeoutSeconds, 1, 3600),
  }
}

/** Settings a machine stored (toState), checked for shape. */
export function settingsFromState(state: Record<string, unknown>): VBoxSettings {
  const settings = state.settings as Partial<VBoxSettings> | undefined
  if (settings === undefined || typeof settings.imageUrl !== 'string' || typeof settings.sshUser !== 'string') {
    throw new UsageError('The stored virtualbox settings are incomplete.')
  }
  return settings as VBoxSettings
}

/** Local paths become absolute; URLs stay as they are. */
function imageSource(value: string): string {
  if (/^(https?|file):\/\//i.test(value)) return value
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) throw new UsageError(`--virtualbox-image-url "${value}" is neither an http(s) or file:// URL nor a path.`)
  return resolve(value.startsWith('~/') ? `${homedir()}${value.slice(1)}` : value)
}

function checksumSource(value: string): string {
  if (/^sha(256|512):/i.test(value)) {
    if (!/^sha256:[0-9a-f]{64}$|^sha512:[0-9a-f]{128}$/i.test(value)) throw new UsageError(`--virtualbox-image-checksum "${value}" is not a sha256:HEX (64 digits) or sha512:HEX (128 digits) digest.`)
    return value.toLowerCase()
  }
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? value : resolve(value)
}

function shareSetting(noShare: boolean, folder: string | undefined, platform: NodeJS.Platform, env: NodeJS.ProcessEnv): {share?: ShareFolder} {
  if (noShare) return {}
  if (folder === undefined) {
    const share = defaultShare(platform, env)
    return share === undefined ? {} : {share}
  }
  // DIR:NAME, where DIR may itself hold a colon (C:\Users:users).
  const colon = folder.lastIndexOf(':')
  const hostPath = colon > 1 ? folder.slice(0, colon) : folder
  const name = colon > 1 ? folder.slice(colon + 1) : ''
  if (!isAbsolute(hostPath) || name === '' || /[\s/\\]/.test(name.replace(/^c\//, ''))) {
    throw new UsageError(`--virtualbox-share-folder "${folder}" is not DIR:NAME with an absolute DIR, as /srv/data:data.`)
  }
  return {share: {hostPath, name}}
}
