import {type ChecksumSpec, type DriverFlag, type FlagValues, UsageError} from '../../src/driver-kit/index.js'
import type {AccelChoice} from './accel.js'

/** Debian 12's generic cloud image (virtio, cloud-init, BIOS or UEFI boot) and the checksum file Debian publishes. */
export const DEFAULT_IMAGE_URL = 'https://cloud.debian.org/images/cloud/bookworm/latest/debian-12-genericcloud-amd64.qcow2'
export const DEFAULT_IMAGE_CHECKSUMS = 'https://cloud.debian.org/images/cloud/bookworm/latest/SHA512SUMS'

export const DEFAULTS = {
  imageUrl: DEFAULT_IMAGE_URL,
  memory: 2048,
  cpuCount: 2,
  diskSize: 20000,
  accel: 'auto',
  binary: 'qemu-system-x86_64',
  // Not "docker": a user of that name takes the group name the engine's packages create.
  sshUser: 'berth',
} as const

const ACCELS: readonly AccelChoice[] = ['auto', 'kvm', 'hvf', 'tcg']

export function isAccelChoice(value: unknown): value is AccelChoice {
  return ACCELS.includes(value as AccelChoice)
}

export const FLAGS: readonly DriverFlag[] = [
  {name: 'qemu-image-url', type: 'string', env: 'QEMU_IMAGE_URL', default: DEFAULTS.imageUrl, description: 'Cloud image with cloud-init (qcow2 or raw): an http(s) URL, a file:// URL or a local path. Default: Debian 12 genericcloud.'},
  {name: 'qemu-image-checksum', type: 'string', env: 'QEMU_IMAGE_CHECKSUM', defaultHelp: 'Debian\'s SHA512SUMS for the default image', description: 'The image\'s checksum: sha256:HEX, sha512:HEX, or the URL or path of a SHA256SUMS/SHA512SUMS file.'},
  {name: 'qemu-memory', type: 'integer', env: 'QEMU_MEMORY', default: DEFAULTS.memory, description: 'Memory of the VM in MB.'},
  {name: 'qemu-cpu-count', type: 'integer', env: 'QEMU_CPU_COUNT', default: DEFAULTS.cpuCount, description: 'Number of virtual CPUs.'},
  {name: 'qemu-disk-size', type: 'integer', env: 'QEMU_DISK_SIZE', default: DEFAULTS.diskSize, description: 'Size of the VM\'s disk in MB (never smaller than the image).'},
  {name: 'qemu-accel', type: 'string', env: 'QEMU_ACCEL', default: DEFAULTS.accel, description: 'Accelerator: auto (KVM, or HVF on macOS, when usable; else TCG), kvm, hvf or tcg.'},
  {name: 'qemu-binary', type: 'string', env: 'QEMU_BINARY', default: DEFAULTS.binary, description: 'The qemu-system program (a name on the PATH or a path).'},
  {name: 'qemu-ssh-user', type: 'string', env: 'QEMU_SSH_USER', default: DEFAULTS.sshUser, description: 'The user cloud-init creates for berth (passwordless sudo, berth\'s SSH key).'},
  {name: 'qemu-isolated', type: 'boolean', env: 'QEMU_ISOLATED', description: 'The VM reaches nothing outside itself (user-mode networking with restrict=on); only the forwarded SSH and engine ports reach it.'},
]

export interface QemuSettings {
  imageUrl: string
  imageChecksum?: string
  memory: number
  cpuCount: number
  diskSize: number
  accel: AccelChoice
  binary: string
  sshUser: string
  isolated: boolean
}

/** Settings from create's flags (defaults applied) or from a stored machine's state: the same keys either way. */
export function qemuSettings(values: FlagValues | Record<string, unknown>): QemuSettings {
  const pick = (flag: string, key: string): unknown => values[flag] ?? values[key]
  const imageUrl = pick('qemu-image-url', 'imageUrl') ?? DEFAULTS.imageUrl
  if (typeof imageUrl !== 'string' || imageUrl.trim() === '') throw new UsageError('--qemu-image-url needs a URL or a path.')
  const checksum = pick('qemu-image-checksum', 'imageChecksum')
  if (checksum !== undefined && (typeof checksum !== 'string' || checksum.trim() === '')) throw new UsageError('--qemu-image-checksum needs a value.')
  const memory = positive(pick('qemu-memory', 'memory') ?? DEFAULTS.memory, '--qemu-memory', 128)
  const cpuCount = positive(pick('qemu-cpu-count', 'cpuCount') ?? DEFAULTS.cpuCount, '--qemu-cpu-count', 1)
  const diskSize = positive(pick('qemu-disk-size', 'diskSize') ?? DEFAULTS.diskSize, '--qemu-disk-size', 1024)
  const accel = pick('qemu-accel', 'accel') ?? DEFAULTS.accel
  if (!isAccelChoice(accel)) {
    throw new UsageError(`--qemu-accel ${JSON.stringify(accel)} is not one of ${ACCELS.join(', ')}.`)
  }
  const binary = pick('qemu-binary', 'binary') ?? DEFAULTS.binary
  if (typeof binary !== 'string' || binary.trim() === '') throw new UsageError('--qemu-binary needs a program name or path.')
  const sshUser = pick('qemu-ssh-user', 'sshUser') ?? DEFAULTS.sshUser
  if (typeof sshUser !== 'string' || !/^[a-z_][a-z0-9_-]{0,31}$/.test(sshUser) || sshUser === 'root') {
    throw new UsageError(`--qemu-ssh-user ${JSON.stringify(sshUser)} is not a user name cloud-init can create (lower case, not root).`)
  }
  return {
    imageUrl: imageUrl.trim(),
    ...(typeof checksum === 'string' ? {imageChecksum: checksum.trim()} : {}),
    memory, cpuCount, diskSize, accel, binary: binary.trim(), sshUser,
    isolated: pick('qemu-isolated', 'isolated') === true,
  }
}

/** What ensureImage should verify the image against. */
export function checksumSpec(settings: QemuSettings): ChecksumSpec | undefined {
  const given = settings.imageChecksum
  if (given === undefined) return settings.imageUrl === DEFAULT_IMAGE_URL ? {file: DEFAULT_IMAGE_CHECKSUMS} : undefined
  if (/^sha(256|512):/i.test(given)) return given
  return {file: given}
}

function positive(value: unknown, flag: string, minimum: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < minimum) throw new UsageError(`${flag} must be a whole number of at least ${minimum}.`)
  return value
}
