import type {ImageSpec} from './catalog.js'
import {Ec2Fault} from './fault.js'

/**
 * What EBS takes for a root volume at RunInstances, as EC2 documents it (EbsBlockDevice in the API reference, the
 * EBS user guide). Codes and, where EC2's wording is known from its answers, messages are EC2's: the ratio
 * messages, "The parameter iops is not supported for st1 volumes." (what EC2 answers for an st1 root volume made
 * from a gp3 AMI, whose mapping carries IOPS) and "Volume of size ... is smaller than snapshot". The other
 * messages are the simulator's own words for refusals EC2 makes.
 */

interface EbsType {
  minGiB: number
  maxGiB: number
  boot: boolean
  iops?: {min: number; max: number; perGiB: number; required: boolean}
  throughput?: {min: number; max: number}
}

const EBS_TYPES: Readonly<Record<string, EbsType>> = {
  gp2: {minGiB: 1, maxGiB: 16_384, boot: true},
  gp3: {minGiB: 1, maxGiB: 65_536, boot: true, iops: {min: 3000, max: 80_000, perGiB: 500, required: false}, throughput: {min: 125, max: 2000}},
  io1: {minGiB: 4, maxGiB: 16_384, boot: true, iops: {min: 100, max: 64_000, perGiB: 50, required: true}},
  io2: {minGiB: 4, maxGiB: 65_536, boot: true, iops: {min: 100, max: 256_000, perGiB: 1000, required: true}},
  st1: {minGiB: 125, maxGiB: 16_384, boot: false},
  sc1: {minGiB: 125, maxGiB: 16_384, boot: false},
  standard: {minGiB: 1, maxGiB: 1024, boot: true},
}

/** gp3's IOPS and throughput without provisioning: any size may have them. */
const GP3_BASELINE = {iops: 3000, throughput: 125}
const THROUGHPUT_PER_IOPS = 0.25

export interface RootVolume {
  size: number
  type: string
  iops?: number
  throughput?: number
}

/** The root volume a RunInstances mapping asks for, from the AMI's snapshot; refused as EC2 refuses it. */
export function rootVolume(image: ImageSpec, snapshotId: string, asked: {size?: number; type?: string; iops?: number; throughput?: number}): RootVolume {
  const size = asked.size ?? image.rootVolume.size
  const type = asked.type ?? image.rootVolume.type
  const spec = EBS_TYPES[type]
  if (spec === undefined) throw new Ec2Fault('InvalidParameterValue', `Value (${type}) for parameter volumeType is invalid.`)
  if (size < image.rootVolume.size) throw new Ec2Fault('InvalidBlockDeviceMapping', `Volume of size ${size}GB is smaller than snapshot '${snapshotId}', expect size>= ${image.rootVolume.size}GB`)
  if (!spec.boot) {
    // The AMI's mapping carries its IOPS into the volume EC2 makes; st1 and sc1 take none.
    if (image.rootVolume.iops !== undefined) throw new Ec2Fault('InvalidParameterCombination', `The parameter iops is not supported for ${type} volumes.`)
    throw new Ec2Fault('InvalidBlockDeviceMapping', `The volume type ${type} cannot be used for a root volume.`)
  }
  if (size < spec.minGiB || size > spec.maxGiB) {
    throw new Ec2Fault('InvalidParameterValue', `Volume of ${size}GiB is out of range for volume type ${type}; the size must be between ${spec.minGiB} and ${spec.maxGiB}GiB.`)
  }
  const iops = asked.iops
  if (spec.iops === undefined && iops !== undefined) throw new Ec2Fault('InvalidParameterCombination', `The parameter iops is not supported for ${type} volumes.`)
  if (spec.iops !== undefined) {
    if (iops === undefined && spec.iops.required) throw new Ec2Fault('InvalidParameterCombination', `The parameter iops must be specified for ${type} volumes.`)
    if (iops !== undefined) {
      if (iops < spec.iops.min || iops > spec.iops.max) throw new Ec2Fault('InvalidParameterValue', `Value (${iops}) for parameter iops is invalid. Expected a value between ${spec.iops.min} and ${spec.iops.max} for ${type} volumes.`)
      const overBaseline = type !== 'gp3' || iops > GP3_BASELINE.iops
      if (overBaseline && iops / size > spec.iops.perGiB) {
        throw new Ec2Fault('InvalidParameterValue', `Iops to volume size ratio of ${(iops / size).toFixed(6)} is too high; maximum is ${spec.iops.perGiB}`)
      }
    }
  }
  const throughput = asked.throughput
  if (throughput !== undefined) {
    if (spec.throughput === undefined) throw new Ec2Fault('InvalidParameterCombination', `The parameter throughput is not supported for ${type} volumes.`)
    if (throughput < spec.throughput.min || throughput > spec.throughput.max) {
      throw new Ec2Fault('InvalidParameterValue', `Value (${throughput}) for parameter throughput is invalid. Expected a value between ${spec.throughput.min} and ${spec.throughput.max}.`)
    }
    const provisioned = iops ?? GP3_BASELINE.iops
    if (throughput > GP3_BASELINE.throughput && throughput / provisioned > THROUGHPUT_PER_IOPS) {
      throw new Ec2Fault('InvalidParameterValue', `Throughput (MiBps) to iops ratio of ${(throughput / provisioned).toFixed(6)} is too high; maximum is ${THROUGHPUT_PER_IOPS.toFixed(6)} MiBps per iops`)
    }
  }
  return {size, type, ...(iops === undefined ? {} : {iops}), ...(throughput === undefined ? {} : {throughput})}
}
