import {BerthError} from '../../src/driver-kit/index.js'

/**
 * What EC2 accepts for an EBS volume of each type, from the EC2 API reference (EbsBlockDevice: sizes, IOPS and
 * throughput ranges, IOPS required for io1 and io2) and the EBS user guide (st1 and sc1 cannot be root volumes;
 * IOPS per GiB and MiB/s per IOPS). EC2 refuses anything else at RunInstances, after the key pair and the
 * security group exist, so berth checks the root volume against this table before anything is made.
 */
export interface VolumeRule {
  /** GiB. */
  size: {min: number; max: number}
  /** Whether an instance can boot from it (berth's volume is always the root volume). */
  bootable: boolean
  /** Provisioned IOPS, for the types that take them. */
  iops?: {min: number; max: number; perGiB: number; required: boolean; /** What the volume gets without IOPS given; up to it, any size may have it. */ baseline?: number}
  /** Provisioned throughput in MiB/s (gp3 only). */
  throughput?: {min: number; max: number; perIops: number; baseline: number}
}

export const VOLUME_RULES: Readonly<Record<string, VolumeRule>> = {
  gp3: {size: {min: 1, max: 65536}, bootable: true, iops: {min: 3000, max: 80000, perGiB: 500, required: false, baseline: 3000}, throughput: {min: 125, max: 2000, perIops: 0.25, baseline: 125}},
  gp2: {size: {min: 1, max: 16384}, bootable: true},
  io1: {size: {min: 4, max: 16384}, bootable: true, iops: {min: 100, max: 64000, perGiB: 50, required: true}},
  io2: {size: {min: 4, max: 65536}, bootable: true, iops: {min: 100, max: 256000, perGiB: 1000, required: true}},
  st1: {size: {min: 125, max: 16384}, bootable: false},
  sc1: {size: {min: 125, max: 16384}, bootable: false},
  standard: {size: {min: 1, max: 1024}, bootable: true},
}

export interface RootVolume {
  type: string
  /** GiB. */
  size: number
  iops?: number
  /** MiB/s. */
  throughput?: number
}

const TYPE = '--amazonec2-volume-type'
const SIZE = '--amazonec2-root-size'
const IOPS = '--amazonec2-volume-iops'
const THROUGHPUT = '--amazonec2-volume-throughput'

/** Types by a property, in the table's order: "gp3, gp2, io1, io2 and standard". */
function typesWhere(test: (rule: VolumeRule) => boolean): string {
  const names = Object.entries(VOLUME_RULES).filter(([, rule]) => test(rule)).map(([name]) => name)
  return names.length === 1 ? names[0]! : `${names.slice(0, -1).join(', ')} and ${names.at(-1)!}`
}

/**
 * The first rule of EC2 the root volume breaks, as one line naming the flag, the value and the rule, and a hint
 * with the fix; undefined when EC2 takes it. The type is one of the table's (the flags were checked for that).
 */
export function rootVolumeProblem(volume: RootVolume): BerthError | undefined {
  const rule = VOLUME_RULES[volume.type]!
  const problem = (message: string, hint: string): BerthError => new BerthError(message, {code: 'cloud-check', hint})
  if (!rule.bootable) {
    return problem(`${TYPE} ${volume.type} cannot hold the root volume: EC2 boots only from ${typesWhere((candidate) => candidate.bootable)} volumes.`, `Use ${TYPE} gp3 (the default) or another of those types.`)
  }
  const {size} = rule
  if (volume.size < size.min || volume.size > size.max) {
    const larger = Object.entries(VOLUME_RULES).filter(([, other]) => other.bootable && other.size.max >= volume.size && other.size.min <= volume.size).map(([name]) => name)
    const elsewhere = larger.length === 0 ? '' : `, or choose a type that takes it (${larger.join(', ')})`
    const bound = volume.size < size.min ? `${size.min} or more` : `${size.max} or less`
    return problem(`${SIZE} ${volume.size} is out of range for ${volume.type} volumes: EC2 makes them from ${size.min} to ${size.max} GiB.`, `Pass ${SIZE} ${bound}${elsewhere}.`)
  }
  const iopsProblem = checkIops(rule, volume)
  if (iopsProblem !== undefined) return problem(iopsProblem.message, iopsProblem.hint)
  const throughputProblem = checkThroughput(rule, volume)
  return throughputProblem === undefined ? undefined : problem(throughputProblem.message, throughputProblem.hint)
}

function checkIops(rule: VolumeRule, volume: RootVolume): {message: string; hint: string} | undefined {
  const {iops} = rule
  if (iops === undefined) {
    if (volume.iops === undefined) return undefined
    return {message: `${IOPS} does not apply to ${volume.type} volumes: EC2 provisions IOPS only for ${typesWhere((candidate) => candidate.iops !== undefined)}.`, hint: `Leave out ${IOPS}, or choose one of those with ${TYPE}.`}
  }
  const ceiling = Math.min(iops.max, iops.perGiB * volume.size)
  const allowed = Math.max(ceiling, iops.baseline ?? 0)
  if (volume.iops === undefined) {
    if (!iops.required) return undefined
    return {
      message: `${TYPE} ${volume.type} needs ${IOPS}: EC2 requires provisioned IOPS for ${volume.type} volumes (${iops.min} to ${iops.max}, at most ${iops.perGiB} per GiB).`,
      hint: `Pass ${IOPS} ${Math.max(iops.min, Math.min(allowed, 3000))}, for instance, or choose ${TYPE} gp3 (the default).`,
    }
  }
  if (volume.iops < iops.min || volume.iops > iops.max) {
    return {message: `${IOPS} ${volume.iops} is out of range for ${volume.type}: EC2 allows ${iops.min} to ${iops.max}.`, hint: `Pass ${IOPS} with a value in that range.`}
  }
  if (volume.iops > allowed) {
    const neededSize = Math.ceil(volume.iops / iops.perGiB)
    return {
      message: `${IOPS} ${volume.iops} is too many for a ${volume.size} GiB ${volume.type} volume: EC2 allows at most ${iops.perGiB} IOPS per GiB (${allowed} here).`,
      hint: `Lower ${IOPS} to ${allowed}, or raise ${SIZE} to ${neededSize}.`,
    }
  }
  return undefined
}

function checkThroughput(rule: VolumeRule, volume: RootVolume): {message: string; hint: string} | undefined {
  const {throughput} = rule
  if (volume.throughput === undefined) return undefined
  if (throughput === undefined) {
    return {message: `${THROUGHPUT} does not apply to ${volume.type} volumes: EC2 provisions throughput only for ${typesWhere((candidate) => candidate.throughput !== undefined)}.`, hint: `Leave out ${THROUGHPUT}, or choose ${TYPE} gp3.`}
  }
  if (volume.throughput < throughput.min || volume.throughput > throughput.max) {
    return {message: `${THROUGHPUT} ${volume.throughput} is out of range for ${volume.type}: EC2 allows ${throughput.min} to ${throughput.max} MiB/s.`, hint: `Pass ${THROUGHPUT} with a value in that range.`}
  }
  const iops = volume.iops ?? rule.iops?.baseline ?? 0
  const allowed = Math.max(Math.floor(iops * throughput.perIops), throughput.baseline)
  if (volume.throughput > allowed) {
    const neededIops = Math.ceil(volume.throughput / throughput.perIops)
    return {
      message: `${THROUGHPUT} ${volume.throughput} is too high for ${iops} IOPS: EC2 allows at most ${throughput.perIops} MiB/s per IOPS (${allowed} here).`,
      hint: `Lower ${THROUGHPUT} to ${allowed}, or raise ${IOPS} to ${neededIops}.`,
    }
  }
  return undefined
}

/** EC2 makes the root volume from the AMI's snapshot, so it cannot be smaller than that. */
export function snapshotProblem(rootSize: number, snapshotSize: number | undefined, ami: string): BerthError | undefined {
  if (snapshotSize === undefined || rootSize >= snapshotSize) return undefined
  return new BerthError(`${SIZE} ${rootSize} is smaller than the root snapshot of ${ami} (${snapshotSize} GiB), which EC2 makes the root volume from.`, {code: 'cloud-check', hint: `Pass ${SIZE} ${snapshotSize} or more.`})
}
