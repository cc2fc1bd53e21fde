import {mkdir, open, rename, rm} from 'node:fs/promises'
import {dirname, join} from 'node:path'

export const DIR_MODE = 0o700
export const FILE_MODE = 0o600

export async function ensureDir(path: string): Promise<void> {
  await mkdir(path, {recursive: true, mode: DIR_MODE})
}

/**
 * Replace a file so that readers see the old content or the new one, never a mix or a truncated file:
 * write a temporary file beside it, fsync it, rename it over the target, fsync the directory. With createDir
 * false, a missing directory is an error (ENOENT) rather than made: for files of a machine that rm may just have
 * removed, which must not come back as a half machine.
 */
export async function writeFileAtomic(path: string, content: string | Uint8Array, mode = FILE_MODE, options: {createDir?: boolean} = {}): Promise<void> {
  const dir = dirname(path)
  if (options.createDir !== false) await ensureDir(dir)
  // Loaded here, not at the top: the read-only commands (env, ls) then start without node:crypto.
  const {randomBytes} = await import('node:crypto')
  const temp = join(dir, `.${randomBytes(6).toString('hex')}.tmp`)
  const handle = await open(temp, 'wx', mode)
  try {
    // open's mode passes through the umask; the file must end up with exactly the mode asked for.
    await handle.chmod(mode)
    await handle.writeFile(content)
    await handle.sync()
  } catch (error) {
    await handle.close()
    await rm(temp, {force: true})
    throw error
  }
  await handle.close()
  try {
    await rename(temp, path)
  } catch (error) {
    await rm(temp, {force: true})
    throw error
  }
  const dirHandle = await open(dir, 'r')
  try {
    await dirHandle.sync()
  } finally {
    await dirHandle.close()
  }
}
