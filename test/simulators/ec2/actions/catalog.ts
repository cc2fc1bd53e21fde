import {IMAGES, INSTANCE_TYPES, REGIONS, imageId, type ImageSpec} from '../catalog.js'
import type {ActionHandler} from '../call.js'
import {Ec2Fault} from '../fault.js'
import {matchesFilters} from '../filters.js'

/** The images of a region with their ids (ids differ per region, as they do on EC2). */
export function regionImages(region: string): {id: string; spec: ImageSpec}[] {
  return IMAGES.map((spec) => ({id: imageId(region, spec.name), spec}))
}

/** The id of the snapshot an image's root volume is made from. */
export function snapshotOf(imageId: string): string {
  return `snap-${imageId.slice(4)}`
}

export const describeImages: ActionHandler = ({params, region, account}) => {
  const ids = params.list('ImageId')
  const malformed = ids.find((id) => !/^ami-[0-9a-f]{8,17}$/.test(id))
  if (malformed !== undefined) throw new Ec2Fault('InvalidAMIID.Malformed', `Invalid id: "${malformed}" (expecting "ami-...")`)
  const images = regionImages(region.name)
  const missing = ids.filter((id) => !images.some((image) => image.id === id))
  if (missing.length > 0) throw new Ec2Fault('InvalidAMIID.NotFound', `The image id '[${missing.join(', ')}]' does not exist`)
  const owners = params.list('Owner').map((owner) => (owner === 'self' ? account.id : owner))
  const includeDeprecated = ids.length > 0 || params.bool('IncludeDeprecated') === true
  const filters = params.filters()
  const found = images
    .filter((image) => ids.length === 0 || ids.includes(image.id))
    .filter((image) => owners.length === 0 || owners.includes(image.spec.owner))
    .filter((image) => includeDeprecated || image.spec.deprecated !== true)
    .filter(({id, spec}) => matchesFilters(filters, (name) => {
      switch (name) {
        case 'name': return [spec.name]
        case 'image-id': return [id]
        case 'architecture': return [spec.architecture]
        case 'owner-id': return [spec.owner]
        case 'state': return ['available']
        case 'root-device-type': return ['ebs']
        case 'virtualization-type': return ['hvm']
        case 'image-type': return ['machine']
        case 'is-public': return ['true']
        default: return undefined
      }
    }))
  return {
    imagesSet: found.map(({id, spec}) => ({
      imageId: id,
      imageLocation: `amazon/${spec.name}`,
      imageState: 'available',
      imageOwnerId: spec.owner,
      creationDate: spec.created,
      isPublic: true,
      architecture: spec.architecture,
      imageType: 'machine',
      name: spec.name,
      description: `Canonical, Ubuntu, ${spec.name.split('/').at(-1)}`,
      rootDeviceType: 'ebs',
      rootDeviceName: '/dev/sda1',
      blockDeviceMapping: [{deviceName: '/dev/sda1', ebs: {
        snapshotId: snapshotOf(id), volumeSize: spec.rootVolume.size, deleteOnTermination: true, volumeType: spec.rootVolume.type,
        iops: spec.rootVolume.iops, throughput: spec.rootVolume.throughput, encrypted: false,
      }}],
      virtualizationType: 'hvm',
      hypervisor: 'xen',
      enaSupport: true,
      platformDetails: 'Linux/UNIX',
      usageOperation: 'RunInstances',
      deprecationTime: spec.deprecated === true ? '2026-11-25T00:00:00.000Z' : undefined,
    })),
  }
}

export const describeInstanceTypes: ActionHandler = ({params}) => {
  const wanted = params.list('InstanceType')
  const unknown = wanted.filter((name) => !INSTANCE_TYPES.some((type) => type.name === name))
  if (unknown.length > 0) throw new Ec2Fault('InvalidInstanceType', `The following supplied instance types do not exist: [${unknown.join(', ')}]`)
  return {
    instanceTypeSet: INSTANCE_TYPES.filter((type) => wanted.length === 0 || wanted.includes(type.name)).map((type) => ({
      instanceType: type.name,
      currentGeneration: true,
      supportedUsageClasses: ['on-demand', 'spot'],
      supportedRootDeviceTypes: ['ebs'],
      processorInfo: {supportedArchitectures: [type.architecture]},
      vCpuInfo: {defaultVCpus: type.vcpus},
      memoryInfo: {sizeInMiB: type.memoryMiB},
    })),
  }
}

export const describeInstanceTypeOfferings: ActionHandler = ({params, region}) => {
  const locationType = params.string('LocationType') ?? 'region'
  if (locationType !== 'region' && locationType !== 'availability-zone') {
    throw new Ec2Fault('InvalidParameterValue', `Invalid value '${locationType}' for LocationType.`)
  }
  const spec = REGIONS.find((candidate) => candidate.name === region.name)!
  const offerings = INSTANCE_TYPES.flatMap((type) => {
    if (locationType === 'region') return [{instanceType: type.name, locationType, location: region.name}]
    return spec.zones.filter((zone) => !(type.notIn ?? []).includes(zone)).map((zone) => ({instanceType: type.name, locationType, location: `${region.name}${zone}`}))
  })
  const filters = params.filters()
  return {
    instanceTypeOfferingSet: offerings.filter((offering) => matchesFilters(filters, (name) => (name === 'instance-type' ? [offering.instanceType] : name === 'location' ? [offering.location] : undefined))),
  }
}
