import {stat} from 'node:fs/promises'
import {relative} from 'node:path'
import {BerthError} from '../errors.js'
import {diagnosePath, type PathProblem} from '../path-problem.js'
import type {StoreLayout} from './layout.js'

const ELSEWHERE = 'point --storage-path (or BERTH_STORAGE_PATH) at another directory'

/** The store itself cannot be used: its path is a file, a symbolic link loop, or not accessible. */
export class StoreUnusableError extends BerthError {
  override readonly name = 'StoreUnusableError'
  constructor(readonly root: string, found: PathProblem) {
    const subject = found.path === root ? `The store ${root}` : `The store ${root} cannot be used: ${found.path}`
    super(`${subject} ${found.problem}.`, {code: 'store-unusable', hint: fixFor(found)})
  }
}

function fixFor(found: PathProblem): string {
  switch (found.code) {
    case 'ENOTDIR':
      return `Move ${found.path} out of the way, or ${ELSEWHERE}.`
    case 'ELOOP':
      return `Point the link ${found.path} at a directory (ls -l shows where it leads), or ${ELSEWHERE}.`
    case 'EACCES':
    case 'EPERM':
      return `Give yourself access (chmod u+rwx ${found.path}, or chown it to you), or ${ELSEWHERE}.`
    default:
      return `Fix or remove ${found.path}.`
  }
}

/** A path inside the store that cannot be used, named with the fix. */
export class StorePathError extends BerthError {
  override readonly name = 'StorePathError'
  constructor(readonly found: PathProblem, hint: string, cause: unknown) {
    super(`${found.path} ${found.problem}.`, {code: 'store-unusable', hint, cause})
  }

  /** Permissions or ownership are at fault: the fix is chmod or chown, never removing anything. */
  get isAccess(): boolean {
    return this.found.code === 'EACCES' || this.found.code === 'EPERM'
  }
}

/**
 * The error to show for a failed file system call on `path` inside the store: the store's own path at fault
 * (a file, a loop, no access) gives a StoreUnusableError; anything deeper is named with the fix.
 */
export async function storeProblem(layout: StoreLayout, path: string, error: unknown): Promise<BerthError> {
  const found = await diagnosePath(path, error)
  const rel = relative(found.path, layout.root)
  // The store's root or a directory above it.
  if (found.path === layout.root || (rel !== '' && !rel.startsWith('..'))) return new StoreUnusableError(layout.root, found)
  const hint = found.code === 'EACCES' || found.code === 'EPERM' ? await accessFix(found.path) : fixFor(found)
  return new StorePathError(found, hint, error)
}

/** chmod for what berth makes (directories 0700, files 0600), and chown first when someone else owns it. */
async function accessFix(path: string): Promise<string> {
  const info = await stat(path).catch(() => undefined)
  const mode = info === undefined || info.isDirectory() ? '700' : '600'
  const uid = process.getuid?.()
  const owner = info !== undefined && uid !== undefined && info.uid !== uid ? `sudo chown ${uid} ${path} (it belongs to uid ${info.uid}), then ` : ''
  return `Give yourself access: ${owner}chmod ${mode} ${path}.`
}
