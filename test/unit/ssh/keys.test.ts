import {execFileSync} from 'node:child_process'
import {mkdtemp, readFile, rm, stat, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import ssh2 from 'ssh2'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'
import {generateSshKeyPair, writeMachineKey} from '../../../src/core/ssh/keys.js'
import {MachineLayout} from '../../../src/core/store/layout.js'

describe('SSH keys', () => {
  let dir: string
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'berth-keys-'))
  })
  afterEach(() => rm(dir, {recursive: true, force: true}))

  it('makes an ed25519 pair in OpenSSH formats', () => {
    const pair = generateSshKeyPair()
    expect(pair.privateKey).toMatch(/^-----BEGIN OPENSSH PRIVATE KEY-----\n[\s\S]+\n-----END OPENSSH PRIVATE KEY-----\n$/)
    expect(pair.publicKey).toMatch(/^ssh-ed25519 AAAAC3NzaC1lZDI1NTE5[A-Za-z0-9+/]+=* berth$/)
    const parsed = ssh2.utils.parseKey(pair.privateKey)
    expect(parsed).not.toBeInstanceOf(Error)
    expect(generateSshKeyPair().publicKey).not.toBe(pair.publicKey)
  })

  it('stores both halves 0600 where the layout says, and ssh-keygen derives the same public key', async () => {
    const machine = new MachineLayout(join(dir, 'machines', 'dev'))
    const pair = await writeMachineKey(machine)
    expect(await readFile(machine.sshKey, 'utf8')).toBe(pair.privateKey)
    expect(await readFile(machine.sshPublicKey, 'utf8')).toBe(`${pair.publicKey}\n`)
    expect((await stat(machine.sshKey)).mode & 0o777).toBe(0o600)
    expect((await stat(machine.sshPublicKey)).mode & 0o777).toBe(0o600)
    const derived = execFileSync('ssh-keygen', ['-y', '-f', machine.sshKey], {encoding: 'utf8'}).trim()
    expect(derived.split(' ').slice(0, 2)).toEqual(pair.publicKey.split(' ').slice(0, 2))
  })

  it('makes keys that OpenSSH and ssh2 both read, every time, and whose signatures verify', async () => {
    // Some writers get the format wrong for a few keys in hundreds; every one of these must read.
    const pairs = Array.from({length: 300}, () => generateSshKeyPair())
    const paths = await Promise.all(pairs.map(async (pair, index) => {
      const path = join(dir, `key${index}`)
      await writeFile(path, pair.privateKey, {mode: 0o600})
      return path
    }))
    const derived = paths.map((path) => execFileSync('ssh-keygen', ['-y', '-f', path], {encoding: 'utf8'}).trim().split(' ').slice(0, 2).join(' '))
    expect(derived).toEqual(pairs.map((pair) => pair.publicKey.split(' ').slice(0, 2).join(' ')))
    for (const pair of pairs.slice(0, 20)) {
      const key = ssh2.utils.parseKey(pair.privateKey)
      if (key instanceof Error) throw key
      const signature = key.sign(Buffer.from('berth'))
      const pub = ssh2.utils.parseKey(pair.publicKey)
      if (pub instanceof Error) throw pub
      expect(pub.verify(Buffer.from('berth'), signature)).toBe(true)
    }
  })
})
