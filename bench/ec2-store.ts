/**
 * Bench fixture: a store of amazonec2 machines in one region, on the EC2 simulator of the tests
 * (test/simulators/ec2), each machine's instance running with its public address on one of the engine
 * stand-ins. The machines are written as create leaves them (config, credentials kept as if typed, the client
 * certificates); their instances exist only in the simulator's books, so no host is needed.
 */
import {copyFile, mkdir, writeFile} from 'node:fs/promises'
import {settingsFromFlags} from '../drivers/amazonec2/settings.js'
import {StoreLayout} from '../src/core/store/layout.js'
import {TEST_CREDENTIALS, startEc2Simulator, type Ec2Simulator} from '../test/simulators/ec2/index.js'
import type {Cleanup} from './cleanup.js'
import type {Sandbox} from './fixtures.js'

export const EC2_REGION = 'us-east-1'

/** Fill the sandbox's store (which already holds the shared CA and client certificate) with one machine per engine URL. */
export async function populateEc2Store(sandbox: Sandbox, engineUrls: readonly string[], cleanup: Cleanup): Promise<Ec2Simulator> {
  const sim = await startEc2Simulator()
  cleanup.addStep(() => sim.stop())
  const layout = new StoreLayout(sandbox.storePath)
  const instances = sim.addInstances(engineUrls.length, {region: EC2_REGION, state: 'running', tags: [{key: 'berth:machine', value: 'bench'}]})
  for (const [index, instance] of instances.entries()) {
    const name = `e${index + 1}`
    const url = engineUrls[index]!
    const address = new URL(url.replace(/^tcp:/, 'https:')).hostname
    instance.publicIp = address
    const machine = layout.machine(name)
    await mkdir(machine.dir, {recursive: true, mode: 0o700})
    await writeFile(machine.config, JSON.stringify({
      version: 1, name, createdAt: new Date().toISOString(),
      driver: {name: 'amazonec2', state: {settings: settingsFromFlags({'amazonec2-region': EC2_REGION, 'amazonec2-endpoint': sim.endpoint}, name), instanceId: instance.id}},
      engine: {installUrl: 'https://get.docker.com', port: 2376, opts: [], env: [], labels: ['provider=amazonec2'], insecureRegistries: [], registryMirrors: []},
      auth: {sans: []},
      endpoint: {address, url},
      resources: [{kind: 'instance', id: instance.id}],
    }), {mode: 0o600})
    await writeFile(machine.credentials, JSON.stringify({'amazonec2-access-key': TEST_CREDENTIALS.accessKeyId, 'amazonec2-secret-key': TEST_CREDENTIALS.secretAccessKey}), {mode: 0o600})
    for (const [from, to] of [[layout.caCert, machine.caCert], [layout.clientCert, machine.clientCert], [layout.clientKey, machine.clientKey]] as const) await copyFile(from, to)
  }
  return sim
}
