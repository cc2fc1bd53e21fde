import {createHash} from 'node:crypto'
import {readFile} from 'node:fs/promises'
import ssh2 from 'ssh2'

/** DigitalOcean's fingerprint of a key: the MD5 of the public key blob, in colon-separated hex. */
export function md5Fingerprint(blob: Buffer): string {
  return createHash('md5').update(blob).digest('hex').replace(/(..)(?!$)/g, '$1:')
}

/** The fingerprint of an authorized_keys line ("ssh-ed25519 AAAA... comment"). */
export function publicKeyFingerprint(line: string): string {
  return md5Fingerprint(Buffer.from(line.trim().split(/\s+/)[1] ?? '', 'base64'))
}

/** The fingerprint of a private key file's public half; undefined when berth cannot read it (e.g. it has a passphrase). */
export async function privateKeyFingerprint(path: string): Promise<string | undefined> {
  const key = ssh2.utils.parseKey(await readFile(path))
  if (key instanceof Error) return undefined
  return md5Fingerprint(key.getPublicSSH())
}
