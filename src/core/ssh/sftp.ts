import type {SFTPWrapper} from 'ssh2'

/** Promise forms of the few SFTP calls berth uses; ssh2's errors carry the SFTP status in `code`. */

/** SFTP status codes (draft-ietf-secsh-filexfer-02) that callers react to. */
export const SFTP_PERMISSION_DENIED = 3

function settle<T>(resolve: (value: T) => void, reject: (error: unknown) => void) {
  return (error: Error | null | undefined, value?: T) => (error ? reject(error) : resolve(value as T))
}

/** Create a new file (failing if the name exists, so nothing planted there is followed) readable by its owner only. */
export function writeNewFile(sftp: SFTPWrapper, path: string, data: Buffer): Promise<void> {
  return new Promise((resolve, reject) => sftp.writeFile(path, data, {flag: 'wx', mode: 0o600}, settle(resolve, reject)))
}

export function readRemoteFile(sftp: SFTPWrapper, path: string): Promise<Buffer> {
  return new Promise((resolve, reject) => sftp.readFile(path, settle(resolve, reject)))
}

export function chmod(sftp: SFTPWrapper, path: string, mode: number): Promise<void> {
  return new Promise((resolve, reject) => sftp.chmod(path, mode, settle(resolve, reject)))
}

/** rename(2) semantics (replaces the target at once), through OpenSSH's posix-rename extension. */
export function posixRename(sftp: SFTPWrapper, from: string, to: string): Promise<void> {
  return new Promise((resolve, reject) => sftp.ext_openssh_rename(from, to, settle(resolve, reject)))
}

export function unlink(sftp: SFTPWrapper, path: string): Promise<void> {
  return new Promise((resolve, reject) => sftp.unlink(path, settle(resolve, reject)))
}

export function realpath(sftp: SFTPWrapper, path: string): Promise<string> {
  return new Promise((resolve, reject) => sftp.realpath(path, settle(resolve, reject)))
}

export function sftpStatus(error: unknown): number | undefined {
  const code = (error as {code?: unknown} | undefined)?.code
  return typeof code === 'number' ? code : undefined
}

