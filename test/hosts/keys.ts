import {readFile, rm} from 'node:fs/promises'
import {runOk} from './run.js'

export interface KeyPair {
  /** OpenSSH private key text. */
  private: string
  /** The public key as an authorized_keys line. */
  public: string
}

/**
 * An ed25519 key pair written to path and path.pub by OpenSSH's own ssh-keygen. (ssh2's generateKeyPairSync
 * drops a leading zero byte of the public key, so one key in 256 is unreadable for OpenSSH.)
 */
export async function generateKeyPair(path: string, comment: string): Promise<KeyPair> {
  await rm(path, {force: true})
  await rm(`${path}.pub`, {force: true})
  await runOk('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', comment, '-f', path])
  return {private: await readFile(path, 'utf8'), public: (await readFile(`${path}.pub`, 'utf8')).trim()}
}
