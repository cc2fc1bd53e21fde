import {execFile} from 'node:child_process'
import {mkdir, mkdtemp, readFile, readdir, rm, rmdir, stat} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {promisify} from 'node:util'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {writeSeedIso} from '../../src/core/vm/cloud-init.js'
import {writeIso, type IsoFile} from '../../src/core/vm/iso9660.js'

const exec = promisify(execFile)

/**
 * The seed ISO read back the way a Linux guest reads it: the kernel's isofs through a read-only loop mount.
 * Runs as root (loop devices); everything it mounts or attaches is undone even when an assertion fails. Where the
 * kernel has no isofs the mount is fuseiso's, and every image is also read by isoinfo, a third reader.
 */
describe('ISO 9660 images read back by Linux', () => {
  let dir: string

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'berth-iso-'))
  })

  afterAll(async () => {
    await rm(dir, {recursive: true, force: true})
  })

  it('keeps lower-case names, contents byte for byte, and the volume label', async () => {
    const random = new Uint8Array(3 * 2048 + 17)
    for (let i = 0; i < random.length; i++) random[i] = (i * 7919 + 13) & 0xff
    const files: IsoFile[] = [
      {name: 'user-data', content: '#cloud-config\nusers: []\n'},
      {name: 'meta-data', content: 'instance-id: iid-test\nlocal-hostname: test\n'},
      {name: 'network-config', content: 'version: 2\n'},
      {name: 'exactly-one-sector.bin', content: new Uint8Array(2048).fill(0xab)},
      {name: 'several.sectors.bin', content: random},
      {name: 'empty', content: ''},
      {name: 'UPPER_and.lower-Names.txt', content: 'mixed\n'},
    ]
    const image = join(dir, 'seed.iso')
    await writeIso(image, {label: 'cidata', files})
    expect((await stat(image)).size % 2048).toBe(0)

    const seen = await withMountedIso(image, join(dir, 'mnt'), async (mountPoint) => {
      const names = (await readdir(mountPoint)).sort()
      const contents = new Map<string, Buffer>()
      for (const name of names) contents.set(name, await readFile(join(mountPoint, name)))
      const {stdout: label} = await exec('blkid', ['-o', 'value', '-s', 'LABEL', image])
      const {stdout: type} = await exec('blkid', ['-o', 'value', '-s', 'TYPE', image])
      return {names, contents, label: label.trim(), type: type.trim()}
    })

    expect(seen.names).toEqual(files.map((file) => file.name).sort())
    for (const file of files) {
      expect(seen.contents.get(file.name)?.equals(Buffer.from(file.content)), file.name).toBe(true)
    }
    expect(seen.label).toBe('cidata')
    expect(seen.type).toBe('iso9660')

    const read = await isoinfoFiles(image)
    expect([...read.keys()].sort()).toEqual(files.map((file) => file.name).sort())
    for (const file of files) expect(read.get(file.name)?.equals(Buffer.from(file.content)), file.name).toBe(true)
  })

  it('holds enough files to spill the root directory over one sector', async () => {
    const files: IsoFile[] = Array.from({length: 40}, (_, i) => ({name: `file-number-${String(i).padStart(3, '0')}.yaml`, content: `n: ${i}\n`}))
    const image = join(dir, 'many.iso')
    await writeIso(image, {label: 'MANY', files})
    const seen = await withMountedIso(image, join(dir, 'mnt-many'), async (mountPoint) => {
      const names = (await readdir(mountPoint)).sort()
      return Promise.all(names.map(async (name) => [name, await readFile(join(mountPoint, name), 'utf8')] as const))
    })
    expect(seen).toEqual(files.map((file) => [file.name, file.content]))
  })

  it('writes the cloud-init seed as a cidata volume with exactly the NoCloud file names', async () => {
    const image = join(dir, 'cidata.iso')
    const rendered = await writeSeedIso(image, {
      hostname: 'vm1',
      user: 'docker',
      sshPublicKey: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKEY berth',
      nics: [{mac: '080027aabbcc', address: '192.168.99.10/24', gateway: '192.168.99.1', dns: ['192.168.99.1']}],
    })
    const seen = await withMountedIso(image, join(dir, 'mnt-seed'), async (mountPoint) => {
      const names = (await readdir(mountPoint)).sort()
      return Promise.all(names.map(async (name) => [name, await readFile(join(mountPoint, name), 'utf8')] as const))
    })
    expect(seen).toEqual([['meta-data', rendered['meta-data']], ['network-config', rendered['network-config']], ['user-data', rendered['user-data']]])
    expect(seen[2]![1].startsWith('#cloud-config\n')).toBe(true)
    const {stdout: label} = await exec('blkid', ['-o', 'value', '-s', 'LABEL', image])
    expect(label.trim()).toBe('cidata')
  })
})

/** Whether this kernel reads ISO 9660 itself; some (this project's CI machines among them) are built without isofs. */
async function kernelHasIsofs(): Promise<boolean> {
  return (await readFile('/proc/filesystems', 'utf8')).split('\n').some((line) => line.trim().split(/\s+/).pop() === 'iso9660')
}

/**
 * Mount the image read-only, run, then unmount and detach whatever happened: with the kernel's isofs through
 * `mount -o loop,ro -t iso9660` where the kernel has it, else with fuseiso (FUSE; scripts/setup.sh installs it).
 */
export async function withMountedIso<T>(image: string, mountPoint: string, read: (mountPoint: string) => Promise<T>): Promise<T> {
  await mkdir(mountPoint, {recursive: true})
  const kernel = await kernelHasIsofs()
  try {
    if (kernel) await exec('mount', ['-o', 'loop,ro', '-t', 'iso9660', image, mountPoint])
    else await exec('fuseiso', ['-p', image, mountPoint])
    return await read(mountPoint)
  } finally {
    if (kernel) await exec('umount', [mountPoint]).catch(() => undefined)
    else await exec('fusermount', ['-u', mountPoint]).catch(() => undefined)
    // mount -o loop sets autoclear, but a failed mount can leave the device attached: detach what still holds the image.
    const {stdout} = await exec('losetup', ['-j', image]).catch(() => ({stdout: ''}))
    for (const line of stdout.split('\n').filter(Boolean)) {
      await exec('losetup', ['-d', line.slice(0, line.indexOf(':'))]).catch(() => undefined)
    }
    await rmdir(mountPoint).catch(() => undefined)
  }
}

/** The image as isoinfo (genisoimage) reads it with Rock Ridge: a reader that shares no code with the kernel or fuseiso. */
export async function isoinfoFiles(image: string): Promise<Map<string, Buffer>> {
  const {stdout} = await exec('isoinfo', ['-R', '-f', '-i', image])
  const files = new Map<string, Buffer>()
  for (const path of stdout.split('\n').filter(Boolean)) {
    const {stdout: content} = await exec('isoinfo', ['-R', '-x', path, '-i', image], {encoding: 'buffer'})
    files.set(path.replace(/^\//, ''), content)
  }
  return files
}
