import {createHash} from 'node:crypto'
import {lstat, readdir, readFile, readlink} from 'node:fs/promises'
import {join, relative} from 'node:path'

/**
 * Every file and directory under root with its mode and content hash, for "nothing changed" assertions. A symbolic
 * link is recorded as where it points, not followed (it may lead nowhere, or in a loop).
 */
export async function snapshotTree(root: string): Promise<Record<string, string>> {
  const result: Record<string, string> = {}
  const walk = async (dir: string): Promise<void> => {
    let entries
    try {
      entries = await readdir(dir, {withFileTypes: true})
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return
      throw error
    }
    for (const entry of entries) {
      const path = join(dir, entry.name)
      const info = await lstat(path)
      const mode = (info.mode & 0o7777).toString(8)
      if (entry.isSymbolicLink()) {
        result[relative(root, path)] = `-> ${await readlink(path)}`
      } else if (entry.isDirectory()) {
        result[`${relative(root, path)}/`] = mode
        await walk(path)
      } else {
        result[relative(root, path)] = `${mode} ${createHash('sha256').update(await readFile(path)).digest('hex')}`
      }
    }
  }
  await walk(root)
  return result
}
