import {mkdtemp, readFile, rm, stat} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'
import {keepTypedSecrets, secretLookup} from '../../../src/core/driver-registry/credentials.js'
import type {DriverFlag} from '../../../src/driver-kit/contract.js'
import {MachineLayout} from '../../../src/core/store/layout.js'

const flags: DriverFlag[] = [
  {name: 'cloud-token', type: 'string', env: 'CLOUD_TOKEN', description: 'API token', secret: true},
  {name: 'cloud-region', type: 'string', env: 'CLOUD_REGION', description: 'Region'},
]

describe('credentials typed at create time', () => {
  let dir: string
  let machine: MachineLayout

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'berth-credentials-'))
    machine = new MachineLayout(join(dir, 'm1'))
  })

  afterEach(async () => {
    await rm(dir, {recursive: true, force: true})
  })

  it('keeps a typed secret 0600 apart from the config, and only secrets', async () => {
    await keepTypedSecrets(machine, flags, {'cloud-token': 'typed-token', 'cloud-region': 'eu'}, {})
    expect(JSON.parse(await readFile(machine.credentials, 'utf8'))).toEqual({'cloud-token': 'typed-token'})
    expect((await stat(machine.credentials)).mode & 0o777).toBe(0o600)
    expect(secretLookup(machine, flags, {})('cloud-token')).toBe('typed-token')
  })

  it('keeps nothing when the value came from the environment', async () => {
    await keepTypedSecrets(machine, flags, {'cloud-token': 'from-env'}, {CLOUD_TOKEN: 'from-env'})
    await expect(stat(machine.credentials)).rejects.toThrow('ENOENT')
    expect(secretLookup(machine, flags, {})('cloud-token')).toBeUndefined()
  })

  it('prefers the current environment, and answers only for secret flags', async () => {
    await keepTypedSecrets(machine, flags, {'cloud-token': 'typed-token'}, {})
    const lookup = secretLookup(machine, flags, {CLOUD_TOKEN: 'rotated', CLOUD_REGION: 'us'})
    expect(lookup('cloud-token')).toBe('rotated')
    expect(lookup('cloud-region')).toBeUndefined()
    expect(lookup('unknown')).toBeUndefined()
  })
})
