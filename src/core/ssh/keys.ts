import {generateKeyPairSync, randomBytes, type KeyObject} from 'node:crypto'
import {writeFileAtomic} from '../store/files.js'
import type {MachineLayout} from '../store/layout.js'

interface SshKeyPair {
  /** OpenSSH private key format ("BEGIN OPENSSH PRIVATE KEY"), unencrypted, ending with a newline. */
  privateKey: string
  /** One authorized_keys line without the newline: "ssh-ed25519 AAAA... berth". */
  publicKey: string
}

const KEY_TYPE = 'ssh-ed25519'

/**
 * A new ed25519 key pair, as berth makes for every machine (a provider that needs RSA makes its own), written in
 * OpenSSH's own format here rather than by ssh2, whose writer produced keys that ssh-keygen could not read.
 */
export function generateSshKeyPair(comment = 'berth'): SshKeyPair {
  const {publicKey, privateKey} = generateKeyPairSync('ed25519')
  const pub = rawKey(publicKey, 'x')
  const seed = rawKey(privateKey, 'd')
  const publicBlob = Buffer.concat([sshString(KEY_TYPE), sshString(pub)])
  const check = randomBytes(4)
  const secret = Buffer.concat([check, check, sshString(KEY_TYPE), sshString(pub), sshString(Buffer.concat([seed, pub])), sshString(comment)])
  // The private section is padded with 1, 2, 3, ... to the cipher's block size, 8 for "none".
  const padded = Buffer.concat([secret, Buffer.from(Array.from({length: (8 - (secret.length % 8)) % 8}, (_, index) => index + 1))])
  const body = Buffer.concat([
    Buffer.from('openssh-key-v1\0', 'latin1'), sshString('none'), sshString('none'), sshString(''), uint32(1),
    sshString(publicBlob), sshString(padded),
  ])
  const lines = body.toString('base64').match(/.{1,70}/g) ?? []
  return {
    privateKey: `-----BEGIN OPENSSH PRIVATE KEY-----\n${lines.join('\n')}\n-----END OPENSSH PRIVATE KEY-----\n`,
    publicKey: `${KEY_TYPE} ${publicBlob.toString('base64')} ${comment}`,
  }
}

/** The 32 raw bytes of an ed25519 key: its JWK "x" (public) or "d" (private seed). */
function rawKey(key: KeyObject, part: 'x' | 'd'): Buffer {
  const value = key.export({format: 'jwk'})[part]
  if (value === undefined) throw new Error(`ed25519 key without its ${part} part`)
  return Buffer.from(value, 'base64url')
}

function uint32(value: number): Buffer {
  const buffer = Buffer.alloc(4)
  buffer.writeUInt32BE(value)
  return buffer
}

function sshString(value: string | Buffer): Buffer {
  const bytes = typeof value === 'string' ? Buffer.from(value) : value
  return Buffer.concat([uint32(bytes.length), bytes])
}

/**
 * Make a new key pair for the machine and store it (both files 0600, each replaced atomically). The private
 * key is written first: a pair cut short by a crash still holds the half that cannot be derived.
 * Overwrites any key the machine had; callers that may re-run check for an existing key first.
 */
export async function writeMachineKey(machine: MachineLayout): Promise<SshKeyPair> {
  const pair = generateSshKeyPair()
  await writeFileAtomic(machine.sshKey, pair.privateKey)
  await writeFileAtomic(machine.sshPublicKey, `${pair.publicKey}\n`)
  return pair
}
