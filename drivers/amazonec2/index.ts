import type {DriverDefinition} from '../../src/core/drivers/driver.js'
import {packagesHealth} from '../../src/core/drivers/packages.js'
import {credentialSource, storedSecrets, typedSecrets} from './credentials.js'
import {Ec2Driver, type Ec2State} from './driver.js'
import {FLAGS} from './flags.js'
import {queryStates} from './query-states.js'
import {settingsFromFlags, settingsFromState} from './settings.js'

/** Amazon EC2 instances, with Docker Machine's amazonec2 flags. The AWS SDK is loaded on the first EC2 call. */
const amazonec2: DriverDefinition = {
  name: 'amazonec2',
  description: 'Amazon EC2 instances (berth imports a key, makes a security group and launches Ubuntu LTS).',
  flags: FLAGS,
  capabilities: {
    lifecycle: {start: true, stop: true, restart: true, kill: true},
    // A stopped instance starts with a new public address.
    stableAddress: false,
    serialOperations: false,
    provisions: true,
  },
  async probe() {
    return packagesHealth(import.meta.url, ['@aws-sdk/client-ec2', '@aws-sdk/credential-providers'], (missing) => `The AWS SDK (${missing}) is not installed.`, 'Reinstall berth, or run "npm install" in its directory.')
  },
  fromFlags(values, setup) {
    const settings = settingsFromFlags(values, setup.machineName)
    const credentials = credentialSource(typedSecrets(values), settings.profile)
    return new Ec2Driver({settings}, setup, () => credentials)
  },
  load(state, setup) {
    const settings = settingsFromState(state)
    return new Ec2Driver({...(state as Partial<Ec2State>), settings}, setup, () => credentialSource(storedSecrets(setup), settings.profile))
  },
  queryStates,
}

export default amazonec2
