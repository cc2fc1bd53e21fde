import {createHash, createHmac} from 'node:crypto'
import {readFile} from 'node:fs/promises'
import {writeFileAtomic} from '../store/files.js'
import {HostKeyChangedError} from './errors.js'

/** One key pinned for a host. */
interface PinnedKey {
  type: string
  /** The key blob, base64, as in the file. */
  key: string
}

/** The name a host goes by in known_hosts: `host` on port 22, `[host]:port` elsewhere (OpenSSH's rule). */
export function hostId(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`
}

/** A key's fingerprint as OpenSSH prints it: "SHA256:" and the unpadded base64 of the blob's SHA-256. */
export function fingerprint(keyBlob: Buffer): string {
  return `SHA256:${createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '')}`
}

/** The algorithm name a public key blob starts with (an SSH string: uint32 length, then the name). */
export function keyTypeOf(keyBlob: Buffer): string {
  if (keyBlob.length < 4) throw new Error('SSH public key blob is too short.')
  const length = keyBlob.readUInt32BE(0)
  if (length === 0 || 4 + length > keyBlob.length) throw new Error('SSH public key blob is malformed.')
  return keyBlob.subarray(4, 4 + length).toString('latin1')
}

/**
 * A host pattern list from one line: matches the exact name among comma-separated names, or a hashed name
 * (`|1|salt|hmac`, written by `HashKnownHosts yes`) so a file copied from a user's own ~/.ssh still works.
 * Wildcards and negations are not supported: berth's files hold exact names only.
 */
function patternsMatch(patterns: string, id: string): boolean {
  if (patterns.startsWith('|1|')) {
    const [, , salt, hash] = patterns.split('|')
    if (salt === undefined || hash === undefined) return false
    return createHmac('sha1', Buffer.from(salt, 'base64')).update(id).digest('base64') === hash
  }
  return patterns.split(',').includes(id)
}

/**
 * A machine's known_hosts file in OpenSSH's plain format (`[host]:port type base64`), used as trust on first
 * use: the first key a host presents is pinned, and any other key afterwards is refused.
 */
export class KnownHosts {
  constructor(readonly path: string) {}

  /** The keys pinned for host:port; marker lines (@cert-authority, @revoked) are not used by berth. */
  async pinned(host: string, port: number): Promise<PinnedKey[]> {
    const id = hostId(host, port)
    const keys: PinnedKey[] = []
    for (const line of (await this.read()).split('\n')) {
      const [patterns, type, key] = line.trim().split(/\s+/)
      if (patterns === undefined || type === undefined || key === undefined) continue
      if (patterns.startsWith('#') || patterns.startsWith('@')) continue
      if (patternsMatch(patterns, id)) keys.push({type, key})
    }
    return keys
  }

  /** Pin a key for host:port, keeping the other lines. */
  async add(host: string, port: number, keyBlob: Buffer): Promise<void> {
    const current = await this.read()
    const separator = current === '' || current.endsWith('\n') ? '' : '\n'
    const line = `${hostId(host, port)} ${keyTypeOf(keyBlob)} ${keyBlob.toString('base64')}\n`
    await writeFileAtomic(this.path, `${current}${separator}${line}`)
  }

  /**
   * Trust on first use: 'trusted' when the key is pinned, 'recorded' when the host had no key and this one is
   * now pinned; a host whose pinned keys do not include this one throws HostKeyChangedError.
   */
  async verify(host: string, port: number, keyBlob: Buffer): Promise<'trusted' | 'recorded'> {
    const pinned = await this.pinned(host, port)
    const presented = {type: keyTypeOf(keyBlob), key: keyBlob.toString('base64')}
    if (pinned.some((known) => known.type === presented.type && known.key === presented.key)) return 'trusted'
    if (pinned.length === 0) {
      await this.add(host, port, keyBlob)
      return 'recorded'
    }
    const describe = (known: PinnedKey) => `${known.type} ${fingerprint(Buffer.from(known.key, 'base64'))}`
    throw new HostKeyChangedError(hostId(host, port), this.path, pinned.map(describe), describe(presented))
  }

  private async read(): Promise<string> {
    try {
      return await readFile(this.path, 'utf8')
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return ''
      throw error
    }
  }
}
