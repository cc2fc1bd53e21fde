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
  if (found.code === 'EACCES' || found.code === 'EPERM') return `Give yourself access (chmod u+rwx ${found.path}, or chown it to you), or ${ELSEWHERE}.`
  return pathFixHint(pathFixOf(found))
}

/**
 * What fixes a path in the store, as data: giving yourself access (chmod to `mode`, after a chown when the path is
 * uid `owner`'s and not `you`), moving a file that stands where a directory should out of the way, pointing a
 * looping link elsewhere, or fixing or removing the file.
 */
export type PathFix =
  | {kind: 'access'; path: string; mode: '700' | '600'; owner?: {uid: number; you: number}}
  | {kind: 'move' | 'relink' | 'edit'; path: string}

/** The hint that names a path's fix. */
export function pathFixHint(fix: PathFix): string {
  switch (fix.kind) {
    case 'move':
      return `Move ${fix.path} out of the way, or ${ELSEWHERE}.`
    case 'relink':
      return `Point the link ${fix.path} at a directory (ls -l shows where it leads), or ${ELSEWHERE}.`
    case 'edit':
      return `Fix or remove ${fix.path}.`
    case 'access': {
      const chown = fix.owner === undefined ? '' : `sudo chown ${fix.owner.you} ${fix.path} (it belongs to uid ${fix.owner.uid}), then `
      return `Give yourself access: ${chown}chmod ${fix.mode} ${fix.path}.`
    }
  }
}

function pathFixOf(found: PathProblem): PathFix {
  if (found.code === 'ENOTDIR') return {kind: 'move', path: found.path}
  if (found.code === 'ELOOP') return {kind: 'relink', path: found.path}
  return {kind: 'edit', path: found.path}
}

/** A path inside the store that cannot be used, named with the fix. */
export class StorePathError extends BerthError {
  override readonly name = 'StorePathError'
  constructor(readonly found: PathProblem, readonly fix: PathFix, cause: unknown) {
    super(`${found.path} ${found.problem}.`, {code: 'store-unusable', hint: pathFixHint(fix), cause})
  }

  /** Permissions or ownership are at fault: the fix is chmod or chown, never removing anything. */
  get isAccess(): boolean {
    return this.fix.kind === 'access'
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
  const fix = found.code === 'EACCES' || found.code === 'EPERM' ? await accessFix(found.path) : pathFixOf(found)
  return new StorePathError(found, fix, error)
}

/** chmod for what berth makes (directories 0700, files 0600), and chown first when someone else owns it. */
async function accessFix(path: string): Promise<PathFix> {
  const info = await stat(path).catch(() => undefined)
  const mode = info === undefined || info.isDirectory() ? '700' : '600'
  const you = process.getuid?.()
  return {kind: 'access', path, mode, ...(info !== undefined && you !== undefined && info.uid !== you ? {owner: {uid: info.uid, you}} : {})}
}
