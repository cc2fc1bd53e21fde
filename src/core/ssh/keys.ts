import ssh2 from 'ssh2'
import {writeFileAtomic} from '../store/files.js'
import type {MachineLayout} from '../store/layout.js'

export interface SshKeyPair {
  /** OpenSSH private key format ("BEGIN OPENSSH PRIVATE KEY"), unencrypted, ending with a newline. */
  privateKey: string
  /** One authorized_keys line without the newline: "ssh-ed25519 AAAA... berth". */
  publicKey: string
}

/** A new ed25519 key pair, as berth makes for every machine (a provider that needs RSA makes its own). */
export function generateSshKeyPair(comment = 'berth'): SshKeyPair {
  const pair = ssh2.utils.generateKeyPairSync('ed25519', {comment})
  // OpenSSH reads a private key without a final newline badly (ssh-keygen calls it "invalid format").
  const privateKey = pair.private.endsWith('\n') ? pair.private : `${pair.private}\n`
  return {privateKey, publicKey: pair.public.trim()}
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
