import {execFile} from 'node:child_process'
import {copyFile, mkdir, mkdtemp, rm, symlink} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {promisify} from 'node:util'

/** The machine's static busybox (Debian's busybox-static): one file that is a whole userland. */
export const BUSYBOX = '/bin/busybox'

/**
 * A root filesystem tarball for `docker import`, so tests run containers without a registry: bin/busybox and
 * bin/sh pointing at it. remove() deletes it again.
 */
export async function busyboxTarball(): Promise<{path: string; remove(): Promise<void>}> {
  const dir = await mkdtemp(join(tmpdir(), 'berth-busybox-'))
  const root = join(dir, 'rootfs')
  await mkdir(join(root, 'bin'), {recursive: true})
  await copyFile(BUSYBOX, join(root, 'bin', 'busybox'))
  await symlink('busybox', join(root, 'bin', 'sh'))
  const path = join(dir, 'busybox.tar')
  await promisify(execFile)('tar', ['-C', root, '--owner=0', '--group=0', '-cf', path, '.'])
  return {path, remove: () => rm(dir, {recursive: true, force: true})}
}
