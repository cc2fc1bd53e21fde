import {mkdtemp, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {pathToFileURL} from 'node:url'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {builtInDrivers} from '../../../drivers/index.js'
import type {DriverDefinition, FlagValues} from '../../../src/driver-kit/contract.js'
import {checkDriverConformance} from '../../../src/driver-kit/testing.js'
import {repoRoot} from '../../harness/berth.js'
import {builtInDriverCases, type DriverCase} from '../../harness/driver-cases.js'
import {freeLoopbackPort} from '../../harness/free-port.js'

// berth/driver/testing run over every built-in driver and the example plugin: the parts of the contract that need
// no cloud; what a driver does against its backend is in its own contract and e2e tests.
describe('berth/driver/testing over the built-in drivers', () => {
  let storeDir: string
  let byName: Record<string, DriverCase>

  beforeAll(async () => {
    storeDir = await mkdtemp(join(tmpdir(), 'berth-conformance-'))
    byName = await builtInDriverCases()
  })

  afterAll(async () => {
    await rm(storeDir, {recursive: true, force: true})
  })

  it('has a case for every built-in driver', () => {
    expect(Object.keys(byName).sort()).toEqual(builtInDrivers.map((source) => source.name).sort())
  })

  for (const source of builtInDrivers) {
    it(`finds nothing wrong with ${source.name}`, async () => {
      const definition = await source.load() as DriverDefinition
      expect(await checkDriverConformance(definition, {...byName[source.name]!, storeDir, machineName: `c-${source.name}`})).toEqual([])
    })
  }
})

describe('berth/driver/testing over the example plugin and over broken definitions', () => {
  let storeDir: string

  beforeAll(async () => {
    storeDir = await mkdtemp(join(tmpdir(), 'berth-conformance-'))
  })

  afterAll(async () => {
    await rm(storeDir, {recursive: true, force: true})
  })

  it('finds nothing wrong with examples/driver-plugin (as built by npm run build)', async () => {
    const module = await import(pathToFileURL(join(repoRoot, 'examples', 'driver-plugin', 'dist', 'driver.js')).href) as {default: DriverDefinition}
    const flags: FlagValues = {'example-address': '127.0.0.1', 'example-ssh-key': '/nonexistent/id_ed25519', 'example-ssh-port': await freeLoopbackPort()}
    expect(await checkDriverConformance(module.default, {storeDir, flags})).toEqual([])
  })

  it('names what a broken definition gets wrong', async () => {
    const none = (await builtInDrivers.find((source) => source.name === 'none')!.load()) as DriverDefinition
    const driver = none.fromFlags({url: 'tcp://127.0.0.1:2376'}, undefined as never)
    const broken: DriverDefinition = {
      ...none,
      name: 'certs',
      description: 'A driver\nin two lines.',
      example: {args: ['--generic-ip-address', '203.0.113.10'], machine: 'web_1'},
      flags: [{name: 'url', type: 'string', description: 'URL'}, {name: 'certs-token', type: 'string', description: 'token', secret: true, default: 'abcd'}],
      capabilities: {...none.capabilities, lifecycle: {start: true}} as never,
      fromFlags: () => ({...driver, state: driver.state.bind(driver), remove: driver.remove.bind(driver), toState: () => ({token: 'abcd', when: new Date(0)}), stop: 'no' as never}),
      load: () => driver,
    }
    expect(await checkDriverConformance(broken, {storeDir, flags: {}})).toEqual([
      'its name "certs" is one berth\'s store uses itself',
      'its description is not one line of at most 64 characters (help lists it beside the name)',
      'its flag --url does not start with "certs-"',
      'its secret flag --certs-token has a default; a credential is never declared in code',
      'its example passes --generic-ip-address, which is not one of its flags',
      'its example\'s machine name is not one berth accepts: Invalid machine name "web_1": it contains "_"; only a-z A-Z 0-9 . - are allowed.',
      'capabilities.lifecycle is declared; berth reads which lifecycle calls exist from the driver\'s methods',
    ])
    expect(await checkDriverConformance({...broken, name: 'odd', description: none.description, example: undefined, flags: [], capabilities: none.capabilities}, {storeDir, flags: {}})).toEqual([
      'it gives no example (a create command line, shown in its help)',
    ])
    const odd: DriverDefinition = {...broken, name: 'odd', description: none.description, example: {args: [], machine: 'odd1'}, flags: [], capabilities: none.capabilities}
    expect(await checkDriverConformance(odd, {storeDir, flags: {}})).toEqual([
      'the driver from fromFlags() has no preCreateCheck() method',
      'the driver from fromFlags() has no create() method',
      'the driver from fromFlags() has no address() method',
      'the driver from fromFlags() has no dockerUrl() method',
      'the driver from fromFlags() has no sshEndpoint() method',
      'the driver from fromFlags() has a stop that is not a method (leave it out when the driver cannot stop)',
      'toState() is not plain JSON: it changes through JSON.stringify and back',
      'load(toState()).toState() differs from toState(): a stored machine would not be the machine that was made',
    ])
  })
})
