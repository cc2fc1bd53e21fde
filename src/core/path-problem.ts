import {access, constants, stat} from 'node:fs/promises'
import {dirname, resolve} from 'node:path'
import {BerthError} from './errors.js'

/** What is wrong with a path, said of the path really at fault: `/a/b` "is a file, not a directory". */
export interface PathProblem {
  /** The path at fault: the one an operation named, or the part of it that broke the operation. */
  path: string
  /** What is wrong with it, as the end of a sentence about it. */
  problem: string
  /** The error code (ENOTDIR, ELOOP, EACCES, EISDIR, ENOENT...). */
  code: string
}

const PHRASES: Readonly<Record<string, string>> = {
  ENOTDIR: 'is not a directory',
  ELOOP: 'is a symbolic link loop (a link that leads back to itself)',
  EACCES: 'cannot be accessed (permission denied)',
  EPERM: 'cannot be accessed (operation not permitted)',
  EISDIR: 'is a directory, not a file',
  ENOENT: 'does not exist',
  EROFS: 'is on a read-only file system',
  ENOSPC: 'cannot be written: no space left on the device',
  ENAMETOOLONG: 'is too long a name for the file system',
  EEXIST: 'already exists',
}

/** The error code of a failed file system call, or '' for anything else (a BerthError's code is berth's own). */
export function errorCode(error: unknown): string {
  if (error instanceof BerthError) return ''
  const code = (error as NodeJS.ErrnoException | undefined)?.code
  return typeof code === 'string' ? code : ''
}

/**
 * Why a file system call on `path` failed, naming the part of the path at fault: for "not a directory" the
 * component that is a file, for a symbolic link loop the link, for "permission denied" the directory that may not
 * be searched. Asks the file system only when the call has failed, so the common path costs nothing.
 */
export async function diagnosePath(path: string, error: unknown): Promise<PathProblem> {
  const code = errorCode(error)
  const target = resolve(path)
  if (code === 'ENOTDIR' || code === 'ELOOP' || code === 'EACCES' || code === 'ENOENT') {
    const ancestors: string[] = []
    for (let dir = dirname(target); dir !== dirname(dir); dir = dirname(dir)) ancestors.unshift(dir)
    for (const dir of ancestors) {
      const found = await statProblem(dir) ?? (code === 'EACCES' ? await searchProblem(dir) : undefined)
      if (found !== undefined) return found
    }
  }
  if (code === 'ENOTDIR') {
    // The path itself was taken for a directory (a store path that is a file).
    const found = await statProblem(target)
    if (found !== undefined) return found
  }
  // Denied making something that is not there: its directory may not be written.
  if (code === 'EACCES' && !(await exists(target))) return {path: dirname(target), problem: 'is not writable (permission denied)', code}
  return {path: target, problem: describeCode(code, error), code}
}

/** A directory along the way that cannot be one: missing, a file, a loop, or not searchable. */
async function statProblem(dir: string): Promise<PathProblem | undefined> {
  try {
    const info = await stat(dir)
    if (info.isDirectory()) return undefined
    return {path: dir, problem: info.isFile() ? 'is a file, not a directory' : PHRASES.ENOTDIR!, code: 'ENOTDIR'}
  } catch (error) {
    const code = errorCode(error)
    // Permission denied on stat means the directory above it may not be searched.
    if (code === 'EACCES') return {path: dirname(dir), problem: 'cannot be searched (permission denied)', code}
    return {path: dir, problem: describeCode(code, error), code}
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path)
    return true
  } catch {
    return false
  }
}

/** A directory that may not be entered. */
async function searchProblem(dir: string): Promise<PathProblem | undefined> {
  try {
    await access(dir, constants.X_OK)
    return undefined
  } catch (error) {
    return {path: dir, problem: 'cannot be searched (permission denied)', code: errorCode(error)}
  }
}

/** The phrase for an error code, or the error's own words without Node's "CODE: " prefix and path. */
export function describeCode(code: string, error: unknown): string {
  const known = PHRASES[code]
  if (known !== undefined) return known
  const message = error instanceof Error ? error.message : String(error)
  return `failed: ${message.replace(/^[A-Z]+: /, '').replace(/, \w+ '.*'$/, '')}`
}
