import {execFileSync} from 'node:child_process'
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {DigitalOceanApiError} from '../../drivers/digitalocean/api-error.js'
import {machineState, publicIpv4} from '../../drivers/digitalocean/droplet-state.js'
import {explainApiError} from '../../drivers/digitalocean/errors.js'
import {privateKeyFingerprint, publicKeyFingerprint} from '../../drivers/digitalocean/fingerprint.js'
import {settingsFromFlags, stateFromStored} from '../../drivers/digitalocean/settings.js'
import type {Droplet} from '../../drivers/digitalocean/api-types.js'
import {BerthError, UsageError} from '../../src/core/errors.js'
import {generateSshKeyPair} from '../../src/core/ssh/keys.js'

describe('digitalocean settings from flags', () => {
  it('fills in today\'s defaults (Docker Machine\'s flags, newer image and size)', () => {
    expect(settingsFromFlags({})).toEqual({
      apiUrl: 'https://api.digitalocean.com/v2',
      region: 'nyc3',
      size: 's-1vcpu-2gb',
      image: 'ubuntu-24-04-x64',
      tags: [],
      ipv6: false,
      privateNetworking: false,
      backups: false,
      monitoring: false,
      sshUser: 'root',
      sshPort: 22,
    })
  })

  it('takes tags comma-separated (as Docker Machine did) or repeated, and checks them', () => {
    expect(settingsFromFlags({'digitalocean-tags': ['web,env:prod', 'team_a', 'web']}).tags).toEqual(['web', 'env:prod', 'team_a'])
    expect(() => settingsFromFlags({'digitalocean-tags': ['bad tag']})).toThrow('--digitalocean-tags: "bad tag" is not a valid tag.')
  })

  it('keeps the user\'s key only as a fingerprint with its private key, and paths absolute', () => {
    const both = settingsFromFlags({'digitalocean-ssh-key-fingerprint': '3B:16:BF:E4:8B:00:8B:B8:59:8C:A9:D3:F0:19:45:FA', 'digitalocean-ssh-key-path': 'keys/id', 'digitalocean-userdata': 'cloud.yaml'})
    expect(both.sshKeyFingerprint).toBe('3b:16:bf:e4:8b:00:8b:b8:59:8c:a9:d3:f0:19:45:fa')
    expect(both.sshKeyPath).toBe(`${process.cwd()}/keys/id`)
    expect(both.userdataPath).toBe(`${process.cwd()}/cloud.yaml`)
    expect(() => settingsFromFlags({'digitalocean-ssh-key-path': '/k'})).toThrow('--digitalocean-ssh-key-fingerprint and --digitalocean-ssh-key-path go together.')
    expect(() => settingsFromFlags({'digitalocean-ssh-key-fingerprint': 'SHA256:abc', 'digitalocean-ssh-key-path': '/k'})).toThrow('is not an MD5 fingerprint')
  })

  it('refuses malformed values with the flag\'s name', () => {
    for (const [flag, value, message] of [
      ['digitalocean-region', 'NYC 3', '--digitalocean-region "NYC 3" is not a region slug.'],
      ['digitalocean-size', 's_1', '--digitalocean-size "s_1" is not a size slug.'],
      ['digitalocean-image', 'ubuntu 24', '--digitalocean-image "ubuntu 24" is not an image slug or id.'],
      ['digitalocean-ssh-port', 70_000, '--digitalocean-ssh-port must be a port number from 1 to 65535.'],
      ['digitalocean-api-url', 'ftp://example.com', '--digitalocean-api-url "ftp://example.com" is not an http(s) URL.'],
      ['digitalocean-api-url', 'api.digitalocean.com', '--digitalocean-api-url "api.digitalocean.com" is not a URL.'],
    ] as const) {
      const failure = (() => {
        try {
          settingsFromFlags({[flag]: value})
        } catch (error) {
          return error
        }
      })()
      expect(failure).toBeInstanceOf(UsageError)
      expect((failure as Error).message).toBe(message)
    }
  })

  it('reads back what it stored, and says so when a stored state is damaged', () => {
    const stored = {...settingsFromFlags({}), dropletId: 42}
    expect(stateFromStored(JSON.parse(JSON.stringify(stored)) as Record<string, unknown>)).toEqual(stored)
    expect(() => stateFromStored({...stored, region: 3, tags: 'web'})).toThrow('The digitalocean driver\'s stored state is damaged: "region" is not a string, "tags" is not a list of strings.')
  })
})

describe('droplet states and addresses', () => {
  const droplet = (status: string, v4: Droplet['networks']['v4'] = []): Droplet => ({id: 1, name: 'd', status, locked: false, created_at: '', tags: [], networks: {v4, v6: []}, region: {slug: 'nyc3'}, size_slug: 's-1vcpu-2gb'})

  it('maps new, active, off and archive as Docker Machine did, a gone droplet to NotFound', () => {
    expect(['new', 'active', 'off', 'archive', 'weird'].map((status) => machineState(droplet(status)))).toEqual(['Starting', 'Running', 'Stopped', 'NotFound', 'Error'])
    expect(machineState(undefined)).toBe('NotFound')
  })

  it('takes the public IPv4 address, not the private one', () => {
    expect(publicIpv4(droplet('active', [
      {ip_address: '10.108.0.2', netmask: '255.255.240.0', gateway: '', type: 'private'},
      {ip_address: '203.0.113.7', netmask: '255.255.255.0', gateway: '203.0.113.1', type: 'public'},
    ]))).toBe('203.0.113.7')
    expect(publicIpv4(droplet('new'))).toBeUndefined()
  })
})

describe('DigitalOcean API failures as one line and a hint', () => {
  const settings = {apiUrl: 'https://api.digitalocean.com/v2', region: 'nyc3', size: 's-1vcpu-2gb', image: 'ubuntu-24-04-x64'}
  const explained = (details: ConstructorParameters<typeof DigitalOceanApiError>[1], what = 'creating droplet m1'): BerthError => explainApiError(new DigitalOceanApiError(what, details), settings) as BerthError

  it('names the setting a 422 refuses', () => {
    for (const named of ['region', 'size', 'image'] as const) {
      const error = explained({status: 422, id: 'unprocessable_entity', apiMessage: `You specified an invalid ${named} for Droplet creation.`})
      expect(error.message).toBe(`DigitalOcean refused --digitalocean-${named} ${settings[named]} (422 You specified an invalid ${named} for Droplet creation.).`)
    }
  })

  it('says what to do about the token, the rate limit, the API\'s failures and the network', () => {
    expect(explained({status: 401, id: 'unauthorized', apiMessage: 'Unable to authenticate you'}, 'reading the account').hint).toMatch(/^Set DIGITALOCEAN_ACCESS_TOKEN/)
    const resetsAt = new Date(Date.now() + 600_000)
    const limited = explained({status: 429, id: 'too_many_requests', apiMessage: 'API Rate limit exceeded.', resetsAt})
    expect(limited.message).toBe('DigitalOcean\'s API rate limit is used up (creating droplet m1: 429 API Rate limit exceeded.).')
    expect(limited.hint).toContain(resetsAt.toLocaleTimeString())
    expect(explained({status: 503, id: 'service_unavailable', apiMessage: 'Service Unavailable'}).message).toBe('DigitalOcean\'s API kept failing while creating droplet m1 (503 Service Unavailable).')
    expect(explained({network: 'ECONNREFUSED'}).message).toBe('Cannot reach the DigitalOcean API at https://api.digitalocean.com/v2 while creating droplet m1 (ECONNREFUSED).')
    const other = new Error('not from the API')
    expect(explainApiError(other, settings)).toBe(other)
  })
})

describe('SSH key fingerprints as DigitalOcean shows them', () => {
  it('reads a private key\'s public half: OpenSSH\'s format (with a passphrase too), else the .pub beside it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'berth-do-keys-'))
    try {
      const berth = generateSshKeyPair()
      writeFileSync(join(dir, 'berth'), berth.privateKey)
      expect(await privateKeyFingerprint(join(dir, 'berth'))).toBe(publicKeyFingerprint(berth.publicKey))
      execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', 'a passphrase', '-f', join(dir, 'locked')])
      const locked = readFileSync(join(dir, 'locked.pub'), 'utf8')
      rmSync(join(dir, 'locked.pub'))
      expect(await privateKeyFingerprint(join(dir, 'locked'))).toBe(publicKeyFingerprint(locked))
      execFileSync('ssh-keygen', ['-q', '-t', 'rsa', '-b', '2048', '-m', 'PEM', '-N', '', '-f', join(dir, 'pem')])
      const fromKeygen = execFileSync('ssh-keygen', ['-E', 'md5', '-lf', join(dir, 'pem.pub')], {encoding: 'utf8'}).split(' ')[1]!.replace(/^MD5:/, '')
      expect(await privateKeyFingerprint(join(dir, 'pem'))).toBe(fromKeygen)
      rmSync(join(dir, 'pem.pub'))
      expect(await privateKeyFingerprint(join(dir, 'pem'))).toBeUndefined()
      await expect(privateKeyFingerprint(join(dir, 'missing'))).rejects.toThrow()
    } finally {
      rmSync(dir, {recursive: true, force: true})
    }
  })
})
