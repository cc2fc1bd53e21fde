import {execFileSync} from 'node:child_process'
import {mkdtemp, readFile, rm, stat, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import ssh2 from 'ssh2'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'
import {wordError} from '../../../src/cli/error-wording.js'
import {HostKeyChangedError} from '../../../src/core/ssh/errors.js'
import {fingerprint, hostId, keyTypeOf, KnownHosts} from '../../../src/core/ssh/known-hosts.js'

/** A public key blob made by ssh-keygen, with ssh-keygen's own fingerprint of it. */
function sshKeygenKey(dir: string, name: string, type = 'ed25519'): {blob: Buffer; line: string; fingerprint: string} {
  const path = join(dir, name)
  execFileSync('ssh-keygen', ['-q', '-t', type, ...(type === 'rsa' ? ['-b', '1024'] : []), '-N', '', '-C', name, '-f', path])
  const line = execFileSync('cat', [`${path}.pub`], {encoding: 'utf8'}).trim()
  const printed = execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', `${path}.pub`], {encoding: 'utf8'})
  return {blob: Buffer.from(line.split(' ')[1] ?? '', 'base64'), line, fingerprint: printed.split(' ')[1] ?? ''}
}

describe('host key helpers', () => {
  let dir: string
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'berth-kh-'))
  })
  afterEach(() => rm(dir, {recursive: true, force: true}))

  it('fingerprints as ssh-keygen -lf prints, for every key type', () => {
    for (const type of ['ed25519', 'ecdsa', 'rsa']) {
      const key = sshKeygenKey(dir, `k-${type}`, type)
      expect(fingerprint(key.blob)).toBe(key.fingerprint)
      expect(fingerprint(key.blob)).not.toContain('=')
    }
  })

  it('reads the key type from the blob', () => {
    expect(keyTypeOf(sshKeygenKey(dir, 'e').blob)).toBe('ssh-ed25519')
    expect(keyTypeOf(sshKeygenKey(dir, 'r', 'rsa').blob)).toBe('ssh-rsa')
    expect(() => keyTypeOf(Buffer.from([0, 0, 0, 9, 1]))).toThrow(/malformed/)
    expect(() => keyTypeOf(Buffer.alloc(2))).toThrow(/short/)
  })

  it('names hosts as OpenSSH does', () => {
    expect(hostId('10.0.0.5', 22)).toBe('10.0.0.5')
    expect(hostId('10.0.0.5', 2222)).toBe('[10.0.0.5]:2222')
    expect(hostId('::1', 2222)).toBe('[::1]:2222')
  })
})

describe('KnownHosts (trust on first use)', () => {
  let dir: string
  let path: string
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'berth-kh-'))
    path = join(dir, 'machine', 'known_hosts')
  })
  afterEach(() => rm(dir, {recursive: true, force: true}))

  it('records the first key in plain format, private to the user, then trusts it', async () => {
    const key = sshKeygenKey(dir, 'host')
    const known = new KnownHosts(path)
    expect(await known.verify('10.0.0.5', 2222, key.blob)).toBe('recorded')
    expect(await readFile(path, 'utf8')).toBe(`[10.0.0.5]:2222 ${key.line.split(' ').slice(0, 2).join(' ')}\n`)
    expect((await stat(path)).mode & 0o777).toBe(0o600)
    expect(await known.verify('10.0.0.5', 2222, key.blob)).toBe('trusted')
    // ssh-keygen finds the entry berth wrote.
    expect(execFileSync('ssh-keygen', ['-F', '[10.0.0.5]:2222', '-f', path], {encoding: 'utf8'})).toContain('ssh-ed25519')
  })

  it('keeps hosts apart: another port is another host', async () => {
    const [a, b] = [sshKeygenKey(dir, 'a'), sshKeygenKey(dir, 'b')]
    const known = new KnownHosts(path)
    await known.verify('10.0.0.5', 22, a.blob)
    expect(await known.verify('10.0.0.5', 2222, b.blob)).toBe('recorded')
    expect(await known.verify('10.0.0.5', 22, a.blob)).toBe('trusted')
    expect((await readFile(path, 'utf8')).split('\n')).toHaveLength(3)
  })

  it('refuses a changed key, naming the host, both fingerprints, the file and the fix, and leaves the file alone', async () => {
    const [old, changed] = [sshKeygenKey(dir, 'old'), sshKeygenKey(dir, 'new')]
    const known = new KnownHosts(path)
    await known.verify('10.0.0.5', 2222, old.blob)
    const before = await readFile(path, 'utf8')
    const error = await known.verify('10.0.0.5', 2222, changed.blob).catch((thrown: unknown) => thrown)
    expect(error).toBeInstanceOf(HostKeyChangedError)
    const {message, hint} = wordError(error as HostKeyChangedError)
    expect(message).toContain('[10.0.0.5]:2222')
    expect(message).toContain(`ssh-ed25519 ${old.fingerprint}`)
    expect(message).toContain(`ssh-ed25519 ${changed.fingerprint}`)
    expect(message).toContain(path)
    expect(hint).toContain(`remove the line for [10.0.0.5]:2222 from ${path}`)
    expect(await readFile(path, 'utf8')).toBe(before)
  })

  it('reads files written by OpenSSH: comments, several names per line, hashed names, markers', async () => {
    const [a, b, c, d] = [sshKeygenKey(dir, 'a'), sshKeygenKey(dir, 'b'), sshKeygenKey(dir, 'c'), sshKeygenKey(dir, 'd')]
    const hashedSource = join(dir, 'hashed')
    await writeFile(hashedSource, `[h3.example]:2200 ${c.line}\n`)
    execFileSync('ssh-keygen', ['-H', '-f', hashedSource], {stdio: 'ignore'})
    const hashedLine = (await readFile(hashedSource, 'utf8')).trim()
    expect(hashedLine.startsWith('|1|')).toBe(true)
    const file = join(dir, 'known_hosts')
    await writeFile(file, [
      '# a comment', '', `h1.example,10.0.0.1 ${a.line}`, `  [h2.example]:2222   ${b.line}`, hashedLine,
      `@revoked h4.example ${d.line}`, 'garbage',
    ].join('\n'))
    const known = new KnownHosts(file)
    expect(await known.verify('10.0.0.1', 22, a.blob)).toBe('trusted')
    expect(await known.verify('h1.example', 22, a.blob)).toBe('trusted')
    expect(await known.verify('h2.example', 2222, b.blob)).toBe('trusted')
    expect(await known.verify('h3.example', 2200, c.blob)).toBe('trusted')
    await expect(known.verify('h3.example', 2200, a.blob)).rejects.toBeInstanceOf(HostKeyChangedError)
    // A marker line pins nothing; the new key is recorded after the last line, which had no newline.
    expect(await known.verify('h4.example', 22, d.blob)).toBe('recorded')
    expect((await readFile(file, 'utf8')).endsWith(`garbage\nh4.example ssh-ed25519 ${d.line.split(' ')[1]}\n`)).toBe(true)
  })

  it('reads the blob ssh2 hands to a host verifier the same way', () => {
    const pair = ssh2.utils.generateKeyPairSync('ed25519')
    const blob = Buffer.from(pair.public.split(' ')[1] ?? '', 'base64')
    expect(keyTypeOf(blob)).toBe('ssh-ed25519')
  })
})
