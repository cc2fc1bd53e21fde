import {type AdoptedMachine, type DockerMachineHost, type DriverSetup, type FlagValues, type ResourceRecord, UsageError} from '../../src/driver-kit/index.js'
import {credentialSource, typedSecrets} from './credentials.js'
import {Ec2Driver} from './driver.js'
import {INSTANCE, KEY_PAIR} from './instance.js'
import {SECURITY_GROUP} from './security-groups.js'
import {settingsFromFlags} from './settings.js'

/**
 * A machine Docker Machine's amazonec2 driver made, as berth's: the fields of its Driver struct
 * (drivers/amazonec2/amazonec2.go) become the flags they came from, checked as create checks them. Its credentials
 * are the machine's secrets; what Docker Machine made for it is recorded for rm as berth records its own: the
 * instance, the key pair it imported (unless it was the user's), and its own "docker-machine" security group, which
 * rm deletes once no other instance uses it (a group the user named is the user's, and is not recorded).
 */
export function ec2FromDockerMachine({driver: dm, sshKeyPath}: DockerMachineHost, setup: DriverSetup): AdoptedMachine {
  const text = (field: string): string | undefined => (typeof dm[field] === 'string' && dm[field] !== '' ? dm[field] : undefined)
  const list = (field: string): string[] => (Array.isArray(dm[field]) ? (dm[field] as unknown[]).filter((item): item is string => typeof item === 'string' && item !== '') : [])
  const instanceId = text('InstanceId')
  if (instanceId === undefined) throw new UsageError('Its "Driver.InstanceId" is missing.')
  if (sshKeyPath === undefined) throw new UsageError('It has no SSH key ("Driver.SSHKeyPath").')
  const keyName = text('KeyName')
  if (keyName === undefined) throw new UsageError('Its "Driver.KeyName" is missing.')
  const groups = list('SecurityGroupNames').length > 0 ? list('SecurityGroupNames') : [text('SecurityGroupName')].filter((name) => name !== undefined)
  const values: FlagValues = {}
  const set = (flag: string, value: FlagValues[string] | undefined): void => {
    if (value !== undefined && value !== 0 && value !== false && !(Array.isArray(value) && value.length === 0)) values[`amazonec2-${flag}`] = value
  }
  set('region', text('Region'))
  set('zone', text('Zone'))
  set('instance-type', text('InstanceType'))
  set('ami', text('AMI'))
  set('vpc-id', text('VpcId'))
  set('subnet-id', text('SubnetId'))
  set('security-group', groups)
  set('security-group-readonly', dm.SecurityGroupReadOnly === true)
  set('open-port', list('OpenPorts'))
  set('tags', text('Tags'))
  set('root-size', typeof dm.RootSize === 'number' ? dm.RootSize : undefined)
  set('volume-type', text('VolumeType'))
  set('device-name', text('DeviceName'))
  set('iam-instance-profile', text('IamInstanceProfile'))
  set('private-address-only', dm.PrivateIPOnly === true)
  set('use-private-address', dm.UsePrivateIP === true)
  set('request-spot-instance', dm.RequestSpotInstance === true)
  set('spot-price', dm.RequestSpotInstance === true ? text('SpotPrice') : undefined)
  set('monitoring', dm.Monitoring === true)
  set('use-ebs-optimized-instance', dm.UseEbsOptimizedInstance === true)
  set('ssh-user', text('SSHUser'))
  set('ssh-port', typeof dm.SSHPort === 'number' ? dm.SSHPort : undefined)
  set('endpoint', text('Endpoint'))
  set('retries', typeof dm.RetryCount === 'number' ? Math.min(Math.max(dm.RetryCount, 1), 20) : undefined)
  // The machine logs in with berth's copy of the key Docker Machine made for it, whose public half is that key pair.
  set('keypair-name', keyName)
  set('ssh-keypath', sshKeyPath)
  const settings = settingsFromFlags(values, setup.machineName)
  const secrets: Record<string, string> = {}
  for (const [field, flag] of [['AccessKey', 'amazonec2-access-key'], ['SecretKey', 'amazonec2-secret-key'], ['SessionToken', 'amazonec2-session-token']] as const) {
    const value = text(field)
    if (value !== undefined) secrets[flag] = value
  }
  const credentials = credentialSource(typedSecrets(secrets), settings.profile)
  return {
    driver: new Ec2Driver({settings, instanceId}, setup, () => credentials),
    secrets,
    resources: [
      {kind: INSTANCE, id: instanceId},
      ...(dm.ExistingKey === true ? [] : [{kind: KEY_PAIR, id: keyName}]),
      ...dockerMachineGroup(groups, list('SecurityGroupIds').length > 0 ? list('SecurityGroupIds') : [text('SecurityGroupId')].filter((id) => id !== undefined)),
    ],
  }
}

/** The group Docker Machine makes when none is named (its default name), when its id is known for certain. */
function dockerMachineGroup(names: readonly string[], ids: readonly string[]): ResourceRecord[] {
  return names.length === 1 && names[0] === DOCKER_MACHINE_GROUP && ids.length === 1 ? [{kind: SECURITY_GROUP, id: ids[0]!, name: DOCKER_MACHINE_GROUP}] : []
}

const DOCKER_MACHINE_GROUP = 'docker-machine'
