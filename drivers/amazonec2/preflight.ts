import {stat} from 'node:fs/promises'
import {BerthError} from '../../src/driver-kit/index.js'
import type {Ec2Api} from './client.js'
import {hasCode} from './errors.js'
import {chooseImage} from './image.js'
import {checkRegionAccess} from './region-access.js'
import type {Ec2Settings} from './settings.js'
import {rootVolumeProblem, snapshotProblem} from './volume-rules.js'

/** What the pre-create check found out, and create uses: where the instance goes and what it boots. */
export interface LaunchPlan {
  vpcId: string
  subnetId: string
  /** The full zone name, e.g. us-east-1a. */
  zone: string
  imageId: string
  imageName: string
  rootDeviceName: string
  architecture: string
}

/** EC2 takes at most this much user data (before base64). */
const USER_DATA_LIMIT = 16 * 1024

/**
 * Everything that can be checked before anything is made: the root volume against EBS's rules and the user data
 * against EC2's limit, then with EC2's read-only calls the credentials and the region, the network, the instance
 * type in the zone, the image (its architecture and root snapshot), and the key pair and security groups the user
 * named. askHome connects to another region with the same endpoint and credentials.
 */
export async function preflight(api: Ec2Api, askHome: (region: string) => Ec2Api, settings: Ec2Settings, signal: AbortSignal): Promise<LaunchPlan> {
  const {region} = settings
  const volumeProblem = rootVolumeProblem({
    type: settings.volumeType, size: settings.rootSize,
    ...(settings.volumeIops === undefined ? {} : {iops: settings.volumeIops}),
    ...(settings.volumeThroughput === undefined ? {} : {throughput: settings.volumeThroughput}),
  })
  if (volumeProblem !== undefined) throw volumeProblem
  if (settings.userdataPath !== undefined && (await stat(settings.userdataPath)).size > USER_DATA_LIMIT) {
    throw new BerthError(`The user data file ${settings.userdataPath} is larger than EC2's limit of 16 KB.`, {code: 'cloud-check', hint: 'Shorten it, or have it download the rest.'})
  }
  await checkRegionAccess(api, askHome, region, signal)

  const [network, architectures] = await Promise.all([resolveNetwork(api, settings, signal), typeArchitectures(api, settings.instanceType, signal)])
  const architecture = architectures.includes('arm64') ? 'arm64' : 'x86_64'
  const [offered, image] = await Promise.all([
    api.instanceTypeOffered(settings.instanceType, network.zone, signal),
    chooseImage(api, settings.ami, architecture, region, signal),
  ])
  if (!offered) {
    throw new BerthError(`The instance type ${settings.instanceType} is not offered in ${network.zone}.`, {code: 'cloud-check', hint: 'Choose another zone (--amazonec2-zone) or instance type (--amazonec2-instance-type).'})
  }
  if (!architectures.includes(image.architecture)) {
    throw new BerthError(`The AMI ${image.id} is for ${image.architecture}, but ${settings.instanceType} runs ${architectures.join(', ')}.`, {code: 'cloud-check', hint: 'Choose an AMI and an instance type of the same architecture.'})
  }
  // A root device named otherwise than the AMI's is a new empty volume, not one made from the snapshot.
  const fromSnapshot = settings.deviceName === undefined || settings.deviceName === image.rootDeviceName
  const tooSmall = fromSnapshot ? snapshotProblem(settings.rootSize, image.rootSnapshotSize, image.id) : undefined
  if (tooSmall !== undefined) throw tooSmall
  if (settings.keypairName !== undefined && !(await api.keyPairExists(settings.keypairName, signal))) {
    throw new BerthError(`The key pair "${settings.keypairName}" does not exist in ${region}.`, {code: 'cloud-check', hint: 'Pass the name of an EC2 key pair of this region with --amazonec2-keypair-name, or leave it out: berth then imports a key of its own.'})
  }
  if (settings.securityGroupReadonly) {
    const found = await api.securityGroups(network.vpcId, settings.securityGroups, signal)
    const missing = settings.securityGroups.filter((name) => !found.some((group) => group.name === name))
    if (missing.length > 0) {
      throw new BerthError(`The security group "${missing.join('", "')}" does not exist in ${network.vpcId}, and --amazonec2-security-group-readonly forbids making it.`, {code: 'cloud-check', hint: 'Name existing groups with --amazonec2-security-group, or leave out --amazonec2-security-group-readonly.'})
    }
  }
  return {...network, imageId: image.id, imageName: image.name, rootDeviceName: settings.deviceName ?? image.rootDeviceName ?? '/dev/sda1', architecture: image.architecture}
}

/** The VPC, subnet and zone: a given subnet decides them; else the zone's subnet in the given (or the default) VPC. */
async function resolveNetwork(api: Ec2Api, settings: Ec2Settings, signal: AbortSignal): Promise<{vpcId: string; subnetId: string; zone: string}> {
  const {region} = settings
  if (settings.subnetId !== undefined) {
    const subnets = await api.subnets({ids: [settings.subnetId]}, signal).catch((error: unknown) => {
      if (hasCode(error, 'InvalidSubnetID.NotFound', 'InvalidSubnetID.Malformed')) throw new BerthError(`The subnet ${settings.subnetId} does not exist in ${region}.`, {code: 'cloud-check', hint: 'Pass a subnet of this region with --amazonec2-subnet-id.'})
      throw error
    })
    const subnet = subnets[0]!
    if (settings.vpcId !== undefined && settings.vpcId !== subnet.vpcId) {
      throw new BerthError(`The subnet ${subnet.id} belongs to ${subnet.vpcId}, not to ${settings.vpcId}.`, {code: 'cloud-check', hint: 'Leave out --amazonec2-vpc-id, or pass a subnet of that VPC.'})
    }
    return {vpcId: subnet.vpcId, subnetId: subnet.id, zone: subnet.zone}
  }
  const vpcId = settings.vpcId ?? await api.defaultVpc(signal)
  if (vpcId === undefined) {
    throw new BerthError(`The region ${region} has no default VPC.`, {code: 'cloud-check', hint: 'Pass the VPC with --amazonec2-vpc-id, or the subnet with --amazonec2-subnet-id.'})
  }
  const zone = `${region}${settings.zone}`
  const subnets = await api.subnets({vpcId, zone}, signal)
  const subnet = subnets.find((candidate) => candidate.defaultForAz) ?? subnets[0]
  if (subnet === undefined) {
    throw new BerthError(`The VPC ${vpcId} has no subnet in ${zone} (or does not exist in ${region}).`, {code: 'cloud-check', hint: 'Choose another zone with --amazonec2-zone, or pass a subnet with --amazonec2-subnet-id.'})
  }
  return {vpcId, subnetId: subnet.id, zone}
}

async function typeArchitectures(api: Ec2Api, instanceType: string, signal: AbortSignal): Promise<string[]> {
  try {
    return await api.instanceTypeArchitectures(instanceType, signal)
  } catch (error) {
    if (hasCode(error, 'InvalidInstanceType', 'InvalidParameterValue')) {
      throw new BerthError(`Unknown instance type "${instanceType}".`, {code: 'cloud-check', hint: 'Pass an EC2 instance type such as t3.medium or m7i.large with --amazonec2-instance-type.'})
    }
    throw error
  }
}
