import {homedir} from 'node:os'
import {join, resolve} from 'node:path'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'
import {StoreLayout} from '../../../src/core/store/layout.js'
import {tempDir} from './helpers.js'

let root: string
let cleanup: () => Promise<void>

beforeEach(async () => {
  ({path: root, cleanup} = await tempDir())
})

afterEach(async () => {
  await cleanup()
})

describe('StoreLayout.resolve', () => {
  it('prefers the flag, then BERTH_STORAGE_PATH, then ~/.berth', () => {
    expect(StoreLayout.resolve(join(root, 'flag'), {BERTH_STORAGE_PATH: join(root, 'env')}).root).toBe(join(root, 'flag'))
    expect(StoreLayout.resolve(undefined, {BERTH_STORAGE_PATH: join(root, 'env')}).root).toBe(join(root, 'env'))
    expect(StoreLayout.resolve(undefined, {BERTH_STORAGE_PATH: ''}).root).toBe(join(homedir(), '.berth'))
    expect(StoreLayout.resolve(undefined, {}).root).toBe(join(homedir(), '.berth'))
  })

  it('makes a relative store path absolute', () => {
    expect(new StoreLayout('rel/store').root).toBe(resolve('rel/store'))
  })
})

describe('StoreLayout paths', () => {
  it('names every file of the store as the design lays it out', () => {
    const layout = new StoreLayout(root)
    expect(layout.certsDir).toBe(join(root, 'certs'))
    expect(layout.certsLock).toBe(join(root, 'certs', '.lock'))
    expect([layout.caCert, layout.caKey, layout.clientCert, layout.clientKey]).toEqual(['ca.pem', 'ca-key.pem', 'cert.pem', 'key.pem'].map((name) => join(root, 'certs', name)))
    expect(layout.cacheDir).toBe(join(root, 'cache'))
    expect(layout.machinesDir).toBe(join(root, 'machines'))

    const machine = layout.machine('m1')
    const dir = join(root, 'machines', 'm1')
    expect(machine.dir).toBe(dir)
    expect({
      config: machine.config, credentials: machine.credentials, lock: machine.lock, caCert: machine.caCert, clientCert: machine.clientCert,
      clientKey: machine.clientKey, serverCert: machine.serverCert, serverKey: machine.serverKey, sshKey: machine.sshKey,
      sshPublicKey: machine.sshPublicKey, knownHosts: machine.knownHosts,
    }).toEqual({
      config: join(dir, 'config.json'), credentials: join(dir, 'credentials.json'), lock: join(dir, '.lock'), caCert: join(dir, 'ca.pem'),
      clientCert: join(dir, 'cert.pem'), clientKey: join(dir, 'key.pem'), serverCert: join(dir, 'server.pem'), serverKey: join(dir, 'server-key.pem'),
      sshKey: join(dir, 'id_ed25519'), sshPublicKey: join(dir, 'id_ed25519.pub'), knownHosts: join(dir, 'known_hosts'),
    })
  })
})

describe('toStored / fromStored', () => {
  it('stores paths inside the store relative to it, and reads them back', () => {
    const layout = new StoreLayout(root)
    const key = layout.machine('m1').sshKey
    expect(layout.toStored(key)).toBe(join('machines', 'm1', 'id_ed25519'))
    expect(layout.fromStored(layout.toStored(key))).toBe(key)
    expect(layout.fromStored(layout.toStored(root))).toBe(root)
  })

  it('keeps paths outside the store absolute', () => {
    const layout = new StoreLayout(join(root, 'store'))
    for (const outside of ['/home/user/.ssh/id_rsa', join(root, 'store-other', 'key'), join(root, 'key'), root]) {
      expect(layout.toStored(outside)).toBe(outside)
      expect(layout.fromStored(layout.toStored(outside))).toBe(outside)
    }
  })

  it('treats a name inside the store that merely starts with ".." as inside', () => {
    const layout = new StoreLayout(root)
    const path = join(root, '..keys', 'id')
    expect(layout.toStored(path)).toBe(join('..keys', 'id'))
    expect(layout.fromStored(layout.toStored(path))).toBe(path)
  })

  it('reads a stored relative path against whichever store holds it', () => {
    const stored = new StoreLayout(join(root, 'a')).toStored(join(root, 'a', 'machines', 'm1', 'id_ed25519'))
    expect(new StoreLayout(join(root, 'b')).fromStored(stored)).toBe(join(root, 'b', 'machines', 'm1', 'id_ed25519'))
  })
})
