import {execFileSync} from 'node:child_process'
import {mkdtemp, readFile, rm, stat} from 'node:fs/promises'
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
})
