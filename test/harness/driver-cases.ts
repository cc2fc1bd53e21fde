import type {ConformanceOptions} from '../../src/driver-kit/testing.js'
import {freeLoopbackPort} from './free-port.js'

export type DriverCase = Omit<ConformanceOptions, 'storeDir'>

/**
 * For each built-in driver, flags with which fromFlags() makes a driver that reaches nothing: for EC2 and
 * DigitalOcean a machine never made needs no API call (remove of nothing, state of nothing).
 */
export async function builtInDriverCases(): Promise<Record<string, DriverCase>> {
  const closedPort = await freeLoopbackPort()
  const cloud = {env: {PATH: process.env.PATH}}
  return {
    amazonec2: {...cloud, flags: {'amazonec2-access-key': 'AKIAEXAMPLE', 'amazonec2-secret-key': 'secret-example-key', 'amazonec2-region': 'eu-west-1'}},
    // Azure's state() asks Azure even for a VM never made (its name is the machine's): no backend here; with its
    // backend, the suite runs against the simulated Azure in azure-driver.test.ts.
    azure: {...cloud, backend: false, flags: {'azure-subscription-id': '00000000-0000-0000-0000-000000000000', 'azure-client-secret': 'secret-example'}},
    digitalocean: {...cloud, flags: {'digitalocean-access-token': 'token-example'}},
    // generic's state() asks whether the SSH port answers: a closed loopback port, so nothing is reached.
    generic: {...cloud, flags: {'generic-ip-address': '127.0.0.1', 'generic-ssh-port': closedPort, 'generic-ssh-key': '/nonexistent/id_ed25519'}},
    // none keeps Docker Machine's --url.
    none: {flags: {url: 'tcp://127.0.0.1:2376'}, unprefixedFlags: ['url']},
    qemu: {...cloud, flags: {}},
    virtualbox: {...cloud, flags: {}},
  }
}
