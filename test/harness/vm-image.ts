import {execFile} from 'node:child_process'
import {createHash} from 'node:crypto'
import {existsSync} from 'node:fs'
import {chmod, mkdir, mkdtemp, open, readdir, readFile, rename, rm, writeFile} from 'node:fs/promises'
import {join} from 'node:path'
import {promisify} from 'node:util'
import {withLock} from '../../src/core/store/lock.js'

/**
 * A small bootable Debian 12 cloud image for the qemu driver's tests, built from Debian's packages with debootstrap:
 * minbase, the stock kernel, cloud-init (NoCloud only, and only the modules a berth machine needs), openssh-server,
 * sudo and docker.io, on a partitioned disk that boots through extlinux the way a publisher's cloud image boots
 * through its bootloader. Nothing in the image is specific to a machine: cloud-init gives it its user, key and
 * hostname from the driver's seed.
 *
 * The image is cached in a directory named by the recipe's digest (BERTH_TEST_VM_CACHE, default
 * /var/cache/berth-test/vm-image), next to a SHA256SUMS file, so a second run reuses it; the build runs under a lock,
 * so test files that ask at once build it once. The build is the only step that reaches Debian's mirror: the VMs
 * themselves have no outside network.
 */

const run = promisify(execFile)

export const SUITE = 'bookworm'
export const IMAGE_NAME = 'berth-test-debian12.qcow2'
const ROOT_LABEL = 'berth-root'
const DISK_GIB = 3
/** Where the one partition starts: 1 MiB, as partitioning tools align it. */
const PARTITION_OFFSET = 1024 * 1024

/** What debootstrap installs; the rest comes from apt in the new system, which orders the configuration correctly. */
const BOOTSTRAP = ['systemd-sysv', 'udev', 'kmod', 'netbase', 'iproute2']
/** dbus lets systemd-logind run, which powers the VM off when QEMU presses its power button (berth stop). */
const PACKAGES = ['linux-image-amd64', 'initramfs-tools', 'openssh-server', 'sudo', 'dbus', 'cloud-init', 'docker.io', 'ca-certificates']

/** cloud-init as a berth machine needs it: the NoCloud seed, and users, keys and the hostname; nothing else runs. */
const CLOUD_CFG = `# berth test image: lean cloud-init for slow (emulated) VMs
datasource_list: [NoCloud, None]
# Its log and output go to files, not to the serial console, which is slow to write under emulation.
output: {all: '>> /var/log/cloud-init-output.log'}
network: {config: disabled}
preserve_hostname: false
manage_etc_hosts: true
ssh_deletekeys: true
ssh_genkeytypes: [ed25519]
disable_root: true
users: [default]
system_info:
  distro: debian
  default_user: {name: debian, lock_passwd: true, groups: [sudo], sudo: ["ALL=(ALL) NOPASSWD:ALL"], shell: /bin/bash}
  paths: {cloud_dir: /var/lib/cloud/, templates_dir: /etc/cloud/templates/}
  ssh_svcname: ssh
cloud_init_modules: [set_hostname, update_hostname, update_etc_hosts, users_groups, ssh]
cloud_config_modules: []
cloud_final_modules: []
`

/** The NIC on QEMU's user-mode network gets its address from QEMU's DHCP server; nothing else is configured. */
const NETWORK = `[Match]
Name=en* eth*
[Network]
DHCP=ipv4
LinkLocalAddressing=no
IPv6AcceptRA=no
`

/** No fsck at boot: it waits for udev to settle the disk, which takes long under emulation, for a disk made just now. */
const FSTAB = `LABEL=${ROOT_LABEL} / ext4 rw,errors=remount-ro 0 0\n`

/**
 * The initramfs holds only what mounts the root file system on a virtio disk: a quarter of the size of Debian's
 * default (MODULES=most), which the BIOS reads and the kernel unpacks faster.
 */
const INITRAMFS_MODULES = ['virtio_pci', 'virtio_blk', 'ext4', 'crc32c_generic']

/** apparmor=0: the stock kernel enables AppArmor, and minbase has no apparmor_parser, which docker run then needs. */
const KERNEL_ARGS = `root=LABEL=${ROOT_LABEL} rw console=ttyS0 apparmor=0 net.ifnames=0 quiet`

/**
 * cloud-init starts early in the boot; its seed is a CD-ROM, whose device udev makes a moment later. Without this,
 * cloud-init can look before the device is there and find no seed (a VM with no seed waits 90 s, then boots on).
 */
const SEED_WAIT = `[Unit]
Wants=dev-disk-by\\x2dlabel-cidata.device
After=dev-disk-by\\x2dlabel-cidata.device
`

/** Units that only cost time in an emulated VM with no outside network. */
const MASKED = [
  'systemd-timesyncd.service', 'apt-daily.timer', 'apt-daily-upgrade.timer', 'e2scrub_all.timer', 'e2scrub_reap.service',
  'fstrim.timer', 'man-db.timer', 'dpkg-db-backup.timer', 'systemd-networkd-wait-online.service', 'getty@tty1.service',
  'modprobe@drm.service', 'modprobe@fuse.service', 'cloud-init-hotplugd.socket',
  // cloud-init runs once per boot, in its network stage, which finds the NoCloud seed too (its default mode is
  // "net", so the local stage only looks): one Python start instead of four.
  'cloud-init-local.service', 'cloud-config.service', 'cloud-final.service',
]

/** The recipe's digest names the cache folder: any change to what goes into the image builds a new one. */
export function recipeDigest(): string {
  const recipe = JSON.stringify({SUITE, BOOTSTRAP, PACKAGES, CLOUD_CFG, NETWORK, SEED_WAIT, FSTAB, INITRAMFS_MODULES, KERNEL_ARGS, MASKED, DISK_GIB, version: 1})
  return createHash('sha256').update(recipe).digest('hex').slice(0, 16)
}

export function imageCacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  return env.BERTH_TEST_VM_CACHE || '/var/cache/berth-test/vm-image'
}

export interface TestImage {
  /** The qcow2 image. */
  path: string
  /** SHA256SUMS next to it, listing the image by its file name. */
  checksums: string
  sha256: string
  /** Whether this call built it (false: it was in the cache). */
  built: boolean
  seconds: number
}

/** The cached image, built first when the cache has none for this recipe. Needs root, debootstrap and extlinux. */
export async function ensureTestImage(options: {log?: (line: string) => void; signal?: AbortSignal} = {}): Promise<TestImage> {
  const started = Date.now()
  const dir = join(imageCacheRoot(), recipeDigest())
  const path = join(dir, IMAGE_NAME)
  const checksums = join(dir, 'SHA256SUMS')
  await mkdir(dir, {recursive: true})
  return withLock(join(dir, '.lock'), async () => {
    let built = false
    if (!existsSync(path) || !existsSync(checksums)) {
      await build(dir, options.log ?? (() => undefined))
      built = true
    }
    const sha256 = (await readFile(checksums, 'utf8')).split(/\s+/)[0]!
    return {path, checksums, sha256, built, seconds: (Date.now() - started) / 1000}
  }, {timeoutMs: 20 * 60_000, ...(options.signal ? {signal: options.signal} : {})})
}

async function build(dir: string, log: (line: string) => void): Promise<void> {
  const work = await mkdtemp(join(dir, 'build-'))
  // On a tmpfs, dpkg's many fsyncs cost nothing: the build takes half the time.
  await sh('mount', ['-t', 'tmpfs', '-o', 'size=8g,mode=0700', 'berth-vm-image', work])
  const rootfs = join(work, 'rootfs')
  const raw = join(work, 'disk.raw')
  const mountpoint = join(work, 'mnt')
  let loop: string | undefined
  try {
    let at = Date.now()
    const step = (what: string): void => {
      log(`${what}: ${((Date.now() - at) / 1000).toFixed(1)} s`)
      at = Date.now()
    }
    // Package scripts must not start daemons in the build chroot.
    await mkdir(join(rootfs, 'usr', 'sbin'), {recursive: true})
    const policy = join(rootfs, 'usr', 'sbin', 'policy-rc.d')
    await writeFile(policy, '#!/bin/sh\nexit 101\n', {mode: 0o755})
    await sh('debootstrap', ['--variant=minbase', `--include=${BOOTSTRAP.join(',')}`, SUITE, rootfs, await aptMirror()], 30 * 60_000)
    step('debootstrap')
    await writeFile(policy, '#!/bin/sh\nexit 101\n', {mode: 0o755})
    await sh('mount', ['-t', 'proc', 'proc', join(rootfs, 'proc')])
    try {
      await chroot(rootfs, ['apt-get', 'install', '-y', '-q', '--no-install-recommends', ...PACKAGES], 30 * 60_000)
      await writeFile(join(rootfs, 'etc', 'initramfs-tools', 'conf.d', 'berth-modules'), 'MODULES=list\n')
      await writeFile(join(rootfs, 'etc', 'initramfs-tools', 'modules'), `${INITRAMFS_MODULES.join('\n')}\n`)
      await chroot(rootfs, ['update-initramfs', '-u', '-k', 'all'], 10 * 60_000)
    } finally {
      await sh('umount', [join(rootfs, 'proc')])
    }
    step('apt-get install')
    await rm(policy, {force: true})
    await configure(rootfs)
    step('configure')

    // One bootable Linux partition from 1 MiB on a sparse disk, an MBR that loads extlinux from it.
    const size = DISK_GIB * 1024 ** 3
    const handle = await open(raw, 'w')
    try {
      await handle.truncate(size)
      await handle.write(mbr(await readFile('/usr/lib/EXTLINUX/mbr.bin'), PARTITION_OFFSET, size - PARTITION_OFFSET), 0, 512, 0)
    } finally {
      await handle.close()
    }
    const blocks = (size - PARTITION_OFFSET) / 4096
    // No 64bit feature: extlinux reads ext4 without it more reliably.
    await sh('mkfs.ext4', ['-q', '-F', '-L', ROOT_LABEL, '-O', '^64bit', '-b', '4096', '-E', `offset=${PARTITION_OFFSET}`, '-d', rootfs, raw, String(blocks)], 10 * 60_000)
    step('mkfs.ext4 -d')
    await rm(rootfs, {recursive: true, force: true})
    loop = (await sh('losetup', ['--find', '--show', '--offset', String(PARTITION_OFFSET), raw])).trim()
    await mkdir(mountpoint)
    await sh('mount', [loop, mountpoint])
    try {
      await sh('extlinux', ['--install', join(mountpoint, 'boot', 'extlinux')])
    } finally {
      await sh('umount', [mountpoint])
    }
    await sh('losetup', ['-d', loop])
    loop = undefined
    step('extlinux')
    const qcow2 = join(work, IMAGE_NAME)
    await sh('qemu-img', ['convert', '-f', 'raw', '-O', 'qcow2', raw, qcow2], 10 * 60_000)
    const sha256 = (await sh('sha256sum', [qcow2])).split(/\s+/)[0]!
    step('qemu-img convert')
    // The image leaves the tmpfs for the cache; the checksum file is written last, so it marks a whole image.
    await sh('cp', ['--sparse=always', qcow2, join(dir, `${IMAGE_NAME}.part`)], 10 * 60_000)
    await rename(join(dir, `${IMAGE_NAME}.part`), join(dir, IMAGE_NAME))
    await writeFile(join(dir, 'SHA256SUMS'), `${sha256}  ${IMAGE_NAME}\n`)
  } finally {
    if (loop !== undefined) await sh('losetup', ['-d', loop]).catch(() => undefined)
    await sh('umount', ['--lazy', work]).catch(() => undefined)
    await rm(work, {recursive: true, force: true})
  }
}

async function configure(rootfs: string): Promise<void> {
  const put = async (path: string, content: string): Promise<void> => {
    await mkdir(join(rootfs, path, '..'), {recursive: true})
    await writeFile(join(rootfs, path), content)
  }
  await put('etc/fstab', FSTAB)
  await put('etc/hostname', 'localhost\n')
  await put('etc/hosts', '127.0.0.1 localhost\n')
  await put('etc/resolv.conf', '')
  await put('etc/cloud/cloud.cfg', CLOUD_CFG)
  await rm(join(rootfs, 'etc', 'cloud', 'cloud.cfg.d'), {recursive: true, force: true})
  await put('etc/systemd/network/10-user-net.network', NETWORK)
  await put('etc/systemd/system/cloud-init.service.d/10-seed.conf', SEED_WAIT)
  // A machine is made from a copy of this image: it must come up with its own machine id and SSH host keys.
  await put('etc/machine-id', '')
  await rm(join(rootfs, 'var', 'lib', 'dbus', 'machine-id'), {force: true})
  for (const name of await readdir(join(rootfs, 'etc', 'ssh'))) {
    if (name.startsWith('ssh_host_')) await rm(join(rootfs, 'etc', 'ssh', name))
  }
  const boot = await readdir(join(rootfs, 'boot'))
  const kernel = boot.find((name) => name.startsWith('vmlinuz-'))
  const initrd = boot.find((name) => name.startsWith('initrd.img-'))
  if (kernel === undefined || initrd === undefined) throw new Error(`no kernel or initrd in ${rootfs}/boot: ${boot.join(' ')}`)
  await put('boot/extlinux/extlinux.conf', `DEFAULT debian\nTIMEOUT 0\nPROMPT 0\nSERIAL 0 115200\nLABEL debian\n  LINUX /boot/${kernel}\n  INITRD /boot/${initrd}\n  APPEND ${KERNEL_ARGS}\n`)
  await chroot(rootfs, ['systemctl', 'enable', 'systemd-networkd.service'])
  await chroot(rootfs, ['systemctl', 'mask', ...MASKED])
  // The engine is berth's to configure and start; an unconfigured one would only slow the first boot.
  await chroot(rootfs, ['systemctl', 'disable', 'docker.service', 'docker.socket', 'containerd.service'])
  await chroot(rootfs, ['apt-get', 'clean'])
  await chmod(join(rootfs, 'etc', 'cloud', 'cloud.cfg'), 0o644)
}

/** A master boot record: boot code, then one active Linux partition (LBA addressing) and the signature. */
export function mbr(bootCode: Buffer, offset: number, length: number): Buffer {
  const sector = Buffer.alloc(512)
  bootCode.copy(sector, 0, 0, Math.min(bootCode.length, 440))
  const entry = 446
  sector[entry] = 0x80
  // CHS fields are the "beyond 1024 cylinders" marker; BIOSes and Linux use the LBA fields.
  sector.set([0xfe, 0xff, 0xff], entry + 1)
  sector[entry + 4] = 0x83
  sector.set([0xfe, 0xff, 0xff], entry + 5)
  sector.writeUInt32LE(offset / 512, entry + 8)
  sector.writeUInt32LE(length / 512, entry + 12)
  sector[510] = 0x55
  sector[511] = 0xaa
  return sector
}

/** The Debian mirror this machine's apt uses. */
async function aptMirror(): Promise<string> {
  const sources = await readdir('/etc/apt/sources.list.d').catch(() => [] as string[])
  for (const name of sources.filter((file) => file.endsWith('.sources'))) {
    const found = /^URIs:\s*(\S+)/m.exec(await readFile(join('/etc/apt/sources.list.d', name), 'utf8'))
    if (found !== null && !found[1]!.includes('security')) return found[1]!
  }
  const list = await readFile('/etc/apt/sources.list', 'utf8').catch(() => '')
  const found = /^deb\s+(?:\[[^\]]*\]\s+)?(\S+)/m.exec(list)
  return found?.[1] ?? 'http://deb.debian.org/debian'
}

function chroot(rootfs: string, args: string[], timeout?: number): Promise<string> {
  return sh('chroot', [rootfs, ...args], timeout)
}

async function sh(file: string, args: string[], timeout = 120_000): Promise<string> {
  try {
    const {stdout} = await run(file, args, {timeout, maxBuffer: 64 * 1024 * 1024, env: {...process.env, DEBIAN_FRONTEND: 'noninteractive', LC_ALL: 'C'}})
    return stdout
  } catch (error) {
    const failed = error as {stderr?: string; stdout?: string; message: string}
    const output = `${failed.stderr ?? ''}${failed.stdout ?? ''}`.trim().split('\n').slice(-15).join('\n')
    throw new Error(`${file} ${args.join(' ')} failed: ${failed.message.split('\n')[0]}\n${output}`, {cause: error})
  }
}

// `node dist/test/harness/vm-image.js` builds (or finds) the image and prints its path: for CI set-up and by hand.
if (process.argv[1] !== undefined && import.meta.url.endsWith(process.argv[1].replace(/^.*\/dist\//, '/dist/'))) {
  const image = await ensureTestImage({log: (line) => process.stderr.write(`${line}\n`)})
  process.stderr.write(`${image.built ? 'built' : 'cached'} in ${image.seconds.toFixed(1)} s\n`)
  process.stdout.write(`${image.path}\n`)
}
