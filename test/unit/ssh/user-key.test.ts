import {execFile} from 'node:child_process'
import {mkdtemp, readFile, rm, stat, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {promisify} from 'node:util'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {wordError} from '../../../src/cli/error-wording.js'
import {UsageError} from '../../../src/core/errors.js'
import {keepUserSshKey, readUserSshKey} from '../../../src/core/ssh/user-key.js'
import {MachineLayout} from '../../../src/core/store/layout.js'

const keygen = (path: string, ...args: string[]): Promise<unknown> => promisify(execFile)('ssh-keygen', ['-q', '-C', 'test', '-f', path, ...args])

describe('a key the user names', () => {
  let dir: string

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'berth-user-key-'))
  })

  afterAll(async () => {
    await rm(dir, {recursive: true, force: true})
  })

  it.each([
    ['ed25519', ['-t', 'ed25519', '-N', ''], 'id_ed25519'],
    ['RSA in PEM', ['-t', 'rsa', '-b', '2048', '-m', 'PEM', '-N', ''], 'id_rsa'],
    ['ECDSA', ['-t', 'ecdsa', '-N', ''], 'id_ecdsa'],
  ])('an %s key is read, and copied 0600 under OpenSSH\'s name for its kind', async (kind, args, fileName) => {
    const path = join(dir, `key-${fileName}`)
    await keygen(path, ...args)
    const key = await readUserSshKey('--x-key', path)
    expect(key.fileName).toBe(fileName)
    const machine = new MachineLayout(join(dir, 'machines', fileName))
    const copy = await keepUserSshKey(key, machine)
    expect(copy).toBe(join(machine.dir, fileName))
    expect((await stat(copy)).mode & 0o777).toBe(0o600)
    expect(await readFile(copy)).toEqual(await readFile(path))
  })

  it('a PEM key with a passphrase is refused, naming the flag and the way out', async () => {
    const path = join(dir, 'pem-with-passphrase')
    await keygen(path, '-t', 'rsa', '-b', '2048', '-m', 'PEM', '-N', 'secret words')
    const refusal = readUserSshKey('--x-key', path)
    await expect(refusal).rejects.toThrow(UsageError)
    await expect(refusal).rejects.toThrow(`--x-key "${path}" is protected by a passphrase, and berth cannot be given one.`)
  })

  it('a public key not named .pub is refused without guessing its private half', async () => {
    const path = join(dir, 'authorized')
    await keygen(join(dir, 'pair'), '-t', 'ed25519', '-N', '')
    await writeFile(path, await readFile(join(dir, 'pair.pub')))
    const error = await readUserSshKey('--x-key', path).then(() => new UsageError('accepted'), (caught: unknown) => caught as UsageError)
    expect(error.message).toBe(`--x-key "${path}" is a public key (ssh-ed25519); berth needs the private key that goes with it.`)
    expect(wordError(error).hint).toBe('Give an unencrypted private key in OpenSSH or PEM format (the file without ".pub").')
  })
})
