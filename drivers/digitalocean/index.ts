import {type DriverDefinition, packagesHealth} from '../../src/driver-kit/index.js'
import {digitalOceanFromDockerMachine} from './docker-machine.js'
import {DigitalOceanDriver} from './driver.js'
import {digitalOceanFlags, TOKEN_FLAG} from './flags.js'
import {queryDropletStates} from './query-states.js'
import {settingsFromFlags, stateFromStored} from './settings.js'

/** Droplets on DigitalOcean through digitalocean-js (loaded only when a machine of this driver talks to the API). */
const digitalocean: DriverDefinition = {
  name: 'digitalocean',
  description: 'A DigitalOcean droplet.',
  example: {args: ['--digitalocean-region', 'fra1', '--digitalocean-size', 's-2vcpu-4gb'], machine: 'web1'},
  flags: digitalOceanFlags,
  capabilities: {
    // DigitalOcean keeps a droplet's address across power cycles; berth checks anyway, and a droplet that comes back
    // at another address gets a server certificate for it.
    stableAddress: false,
    serialOperations: false,
    provisions: true,
  },
  async probe() {
    return packagesHealth(import.meta.url, ['digitalocean-js'], (missing) => `The DigitalOcean client (${missing}) is not installed.`, 'Reinstall berth, or run "npm install" in its directory.')
  },
  fromFlags(values, setup) {
    const token = values[TOKEN_FLAG]
    return new DigitalOceanDriver(settingsFromFlags(values), setup, typeof token === 'string' ? token : undefined)
  },
  load(state, setup) {
    const stored = stateFromStored(state)
    return new DigitalOceanDriver(stored, setup, setup.secret(TOKEN_FLAG), stored)
  },
  queryStates: queryDropletStates,
  fromDockerMachine: digitalOceanFromDockerMachine,
  describeResource(resource, state) {
    const region = typeof state.region === 'string' ? {region: state.region} : {}
    if (resource.kind === 'droplet') return {kind: 'droplet', id: resource.id, ...region, removeCommand: `doctl compute droplet delete ${resource.id} --force`}
    if (resource.kind === 'ssh-key') return {kind: 'SSH key', id: resource.id, removeCommand: `doctl compute ssh-key delete ${resource.id} --force`}
    return {kind: resource.kind, id: resource.id, ...region, removeCommand: 'see the DigitalOcean control panel (cloud.digitalocean.com)'}
  },
}

export default digitalocean
