import {validateMachineName} from '../machine-name.js'

/** One side of a copy or a mount: a path on a machine (as `[user@]machine:path`), or a local path. */
export type PathOnMachine =
  | {kind: 'local'; path: string}
  | {kind: 'machine'; machine: string; user?: string; path: string}

/**
 * Read `[user@]machine:path`, `localhost:path` or a plain local path, as scp does: the text before the first ':'
 * names a machine only when it holds no '/', so `./a:b` and `/tmp/a:b` stay local paths. An empty path after
 * the colon is the SSH user's home directory.
 */
export function parsePathOnMachine(text: string): PathOnMachine {
  const match = /^(?:([^@/:]+)@)?([^@/:]+):(.*)$/s.exec(text)
  if (match === null) return {kind: 'local', path: text}
  const [, user, host, path] = match as unknown as [string, string | undefined, string, string]
  if (host === 'localhost' && user === undefined) return {kind: 'local', path}
  return {kind: 'machine', machine: validateMachineName(host), ...(user === undefined ? {} : {user}), path}
}

/**
 * A local path as scp and rsync must see it: a relative path with a ':' before any '/' would name a remote host
 * to them, so it gets a leading "./".
 */
export function localPathForCopy(path: string): string {
  return /^[^/]*:/.test(path) ? `./${path}` : path
}
