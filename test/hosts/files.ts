import {chmod, mkdir, rm, writeFile} from 'node:fs/promises'
import {dirname, join} from 'node:path'

/** Write a file below a host's root (path is absolute inside the host), replacing whatever was there. */
export async function writeHostFile(root: string, path: string, content: string, mode = 0o644): Promise<void> {
  const target = join(root, path)
  await mkdir(dirname(target), {recursive: true})
  // rm first: the machine's file may be a symlink (resolv.conf), which writeFile would follow out of the host.
  await rm(target, {force: true})
  await writeFile(target, content, {mode})
  await chmod(target, mode)
}

/** Remove paths below a host's root; in an overlay this leaves whiteouts, the machine's files stay. */
export async function removeHostPaths(root: string, paths: readonly string[]): Promise<void> {
  for (const path of paths) await rm(join(root, path), {recursive: true, force: true})
}
