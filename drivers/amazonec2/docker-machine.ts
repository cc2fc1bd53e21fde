import {type AdoptedMachine, DockerMachineFields, type DockerMachineHost, type DriverSetup, type ResourceRecord, UsageError} from '../../src/driver-kit/index.js'
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
  const fields = new DockerMachineFields(dm, 'amazonec2')
  const instanceId = fields.text('InstanceId')
  if (instanceId === undefined) throw new UsageError('Its "Driver.InstanceId" is missing.')
  if (sshKeyPath === undefined) throw new UsageError('It has no SSH key ("Driver.SSHKeyPath").')
  const keyName = fields.text('KeyName')
  if (keyName === undefined) throw new UsageError('Its "Driver.KeyName" is missing.')
  const groups = fields.list('SecurityGroupNames').length > 0 ? fields.list('SecurityGroupNames') : [fields.text('SecurityGroupName')].filter((name) => name !== undefined)
  fields.set('region', fields.text('Region'))
  fields.set('zone', fields.text('Zone'))
  fields.set('instance-type', fields.text('InstanceType'))
  fields.set('ami', fields.text('AMI'))
  fields.set('vpc-id', fields.text('VpcId'))
  fields.set('subnet-id', fields.text('SubnetId'))
  fields.set('security-group', groups)
  fields.set('security-group-readonly', dm.SecurityGroupReadOnly === true)
  fields.set('open-port', fields.list('OpenPorts'))
  fields.set('tags', fields.text('Tags'))
  fields.set('root-size', typeof dm.RootSize === 'number' ? dm.RootSize : undefined)
  fields.set('volume-type', fields.text('VolumeType'))
  fields.set('device-name', fields.text('DeviceName'))
  fields.set('iam-instance-profile', fields.text('IamInstanceProfile'))
  fields.set('private-address-only', dm.PrivateIPOnly === true)
  fields.set('use-private-address', dm.UsePrivateIP === true)
  fields.set('request-spot-instance', dm.RequestSpotInstance === true)
  fields.set('spot-price', dm.RequestSpotInstance === true ? fields.text('SpotPrice') : undefined)
  fields.set('monitoring', dm.Monitoring === true)
  fields.set('use-ebs-optimized-instance', dm.UseEbsOptimizedInstance === true)
  fields.set('ssh-user', fields.text('SSHUser'))
  fields.set('ssh-port', typeof dm.SSHPort === 'number' ? dm.SSHPort : undefined)
  fields.set('endpoint', fields.text('Endpoint'))
  fields.set('retries', typeof dm.RetryCount === 'number' ? Math.min(Math.max(dm.RetryCount, 1), 20) : undefined)
  // The machine logs in with berth's copy of the key Docker Machine made for it, whose public half is that key pair.
  fields.set('keypair-name', keyName)
  fields.set('ssh-keypath', sshKeyPath)
  const settings = settingsFromFlags(fields.flags, setup.machineName)
  const secrets: Record<string, string> = {}
  for (const [field, flag] of [['AccessKey', 'amazonec2-access-key'], ['SecretKey', 'amazonec2-secret-key'], ['SessionToken', 'amazonec2-session-token']] as const) {
    const value = fields.text(field)
    if (value !== undefined) secrets[flag] = value
  }
  const credentials = credentialSource(typedSecrets(secrets), settings.profile)
  return {
    driver: new Ec2Driver({settings, instanceId}, setup, () => credentials),
    secrets,
    resources: [
      {kind: INSTANCE, id: instanceId},
      ...(dm.ExistingKey === true ? [] : [{kind: KEY_PAIR, id: keyName}]),
      ...dockerMachineGroup(groups, fields.list('SecurityGroupIds').length > 0 ? fields.list('SecurityGroupIds') : [fields.text('SecurityGroupId')].filter((id) => id !== undefined)),
    ],
  }
}

/** The group Docker Machine makes when none is named (its default name), when its id is known for certain. */
function dockerMachineGroup(names: readonly string[], ids: readonly string[]): ResourceRecord[] {
  return names.length === 1 && names[0] === DOCKER_MACHINE_GROUP && ids.length === 1 ? [{kind: SECURITY_GROUP, id: ids[0]!, name: DOCKER_MACHINE_GROUP}] : []
}

const DOCKER_MACHINE_GROUP = 'docker-machine'
