import {createHash} from 'node:crypto'
import {readFile} from 'node:fs/promises'

/** DigitalOcean's fingerprint of a key: the MD5 of the public key blob, in colon-separated hex. */
export function md5Fingerprint(blob: Buffer): string {
  return createHash('md5').update(blob).digest('hex').replace(/(..)(?!$)/g, '$1:')
}

/** The fingerprint of an authorized_keys line ("ssh-ed25519 AAAA... comment"). */
export function publicKeyFingerprint(line: string): string {
  return md5Fingerprint(Buffer.from(line.trim().split(/\s+/)[1] ?? '', 'base64'))
}

/**
 * The fingerprint of a private key file's public half: read from the key itself in OpenSSH's format (which keeps
 * the public key unencrypted, so a passphrase does not matter), else from the .pub file beside it. Undefined when
 * neither tells. Throws when the file cannot be read.
 */
export async function privateKeyFingerprint(path: string): Promise<string | undefined> {
  const blob = openSshPublicBlob(await readFile(path, 'utf8'))
  if (blob !== undefined) return md5Fingerprint(blob)
  const line = await readFile(`${path}.pub`, 'utf8').catch(() => undefined)
  return line === undefined ? undefined : publicKeyFingerprint(line)
}

/** "openssh-key-v1\0", cipher, kdf, kdf options, the number of keys, then the first public key blob. */
function openSshPublicBlob(text: string): Buffer | undefined {
  const body = /-----BEGIN OPENSSH PRIVATE KEY-----([\s\S]*?)-----END OPENSSH PRIVATE KEY-----/.exec(text)?.[1]
  if (body === undefined) return undefined
  const data = Buffer.from(body.replace(/\s+/g, ''), 'base64')
  const magic = 'openssh-key-v1\0'
  if (data.subarray(0, magic.length).toString('latin1') !== magic) return undefined
  let offset = magic.length
  const field = (): Buffer | undefined => {
    if (offset + 4 > data.length) return undefined
    const end = offset + 4 + data.readUInt32BE(offset)
    if (end > data.length) return undefined
    const value = data.subarray(offset + 4, end)
    offset = end
    return value
  }
  if (field() === undefined || field() === undefined || field() === undefined || offset + 4 > data.length || data.readUInt32BE(offset) < 1) return undefined
  offset += 4
  return field()
}
