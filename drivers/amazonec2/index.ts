import {type DriverDefinition, packagesHealth} from '../../src/driver-kit/index.js'
import {credentialSource, storedSecrets, typedSecrets} from './credentials.js'
import {ec2FromDockerMachine} from './docker-machine.js'
import {Ec2Driver, type Ec2State} from './driver.js'
import {FLAGS} from './flags.js'
import {INSTANCE, KEY_PAIR} from './instance.js'
import {queryStates} from './query-states.js'
import {SECURITY_GROUP} from './security-groups.js'
import {settingsFromFlags, settingsFromState} from './settings.js'

/** Amazon EC2 instances, with Docker Machine's amazonec2 flags. The AWS SDK is loaded on the first EC2 call. */
const amazonec2: DriverDefinition = {
  name: 'amazonec2',
  description: 'An Amazon EC2 instance running Ubuntu LTS.',
  example: {args: ['--amazonec2-region', 'eu-west-1', '--amazonec2-instance-type', 't3.medium'], machine: 'web1'},
  flags: FLAGS,
  capabilities: {
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
  fromDockerMachine: ec2FromDockerMachine,
  describeResource(resource, state) {
    const settings = state.settings as {region?: unknown} | undefined
    const region = typeof settings?.region === 'string' ? settings.region : undefined
    const flag = region === undefined ? '' : ` --region ${region}`
    const where = region === undefined ? {} : {region}
    if (resource.kind === INSTANCE) return {kind: 'EC2 instance', id: resource.id, ...where, removeCommand: `aws ec2 terminate-instances${flag} --instance-ids ${resource.id}`}
    if (resource.kind === KEY_PAIR) return {kind: 'EC2 key pair', id: resource.id, ...where, removeCommand: `aws ec2 delete-key-pair${flag} --key-name ${resource.id}`}
    if (resource.kind === SECURITY_GROUP) return {kind: 'EC2 security group', id: resource.id, ...where, removeCommand: `aws ec2 delete-security-group${flag} --group-id ${resource.id}`}
    return {kind: resource.kind, id: resource.id, ...where, removeCommand: 'see the EC2 console'}
  },
}

export default amazonec2
