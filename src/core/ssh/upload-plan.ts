import {randomBytes} from 'node:crypto'
import {posix} from 'node:path'
import {BerthError} from '../errors.js'
import {shellQuote} from './shell-quote.js'

export interface UploadOptions {
  /** The file's final permission bits, e.g. 0o600; applied exactly, whatever the remote umask. */
  mode: number
  /** Final owner and group (names or numeric ids); root:root when written through sudo and not given. */
  owner?: string
  group?: string
}

/** The mode as install(1) and chmod(1) take it. */
export function octalMode(mode: number): string {
  if (!Number.isInteger(mode) || mode < 0 || mode > 0o7777) throw new BerthError(`Invalid file mode ${mode}: expected 0 to 0o7777.`, {code: 'copy-failed'})
  return mode.toString(8).padStart(4, '0')
}

/** Remote paths are absolute: a relative one would land wherever the SSH user's home happens to be. */
export function checkRemotePath(path: string): void {
  if (!posix.isAbsolute(path) || path.endsWith('/') || path.includes('\0')) {
    throw new BerthError(`Invalid remote file path ${JSON.stringify(path)}: expected an absolute path to a file.`, {code: 'copy-failed'})
  }
}

/** A name beside `path` that nobody else uses, for writing a file and then renaming it over `path` at once. */
export function stagingPath(path: string): string {
  return posix.join(posix.dirname(path), `.${posix.basename(path)}.berth-${randomBytes(6).toString('hex')}`)
}

/** Where an upload's private first copy may go: the SSH user's home, then /tmp. */
export function privateTempRoots(home: string): string[] {
  return home === '/tmp' ? ['/tmp'] : [home, '/tmp']
}

/** A private name for the first copy of an upload, in `dir` (the SSH user's home, or /tmp). */
export function privateTempPath(dir: string): string {
  return posix.join(dir, `.berth-upload-${randomBytes(8).toString('hex')}`)
}

/**
 * The command (run as root) that turns the SSH user's private copy into the final file: install(1) gives the
 * staged copy its mode and owner, and mv renames it over the destination, so readers never see a partial
 * file. Only paths and modes appear here; the content stays in the file.
 */
export function installCommand(source: string, destination: string, options: UploadOptions): string {
  const staged = shellQuote(stagingPath(destination))
  const owner = options.owner === undefined ? '' : ` -o ${shellQuote(options.owner)}`
  const group = options.group === undefined ? '' : ` -g ${shellQuote(options.group)}`
  return `install -m ${octalMode(options.mode)}${owner}${group} ${shellQuote(source)} ${staged} && ` +
    `mv -f ${staged} ${shellQuote(destination)} || { rm -f ${staged}; exit 1; }`
}
