import {createHash} from 'node:crypto'

/** What every account sees the same way: regions and their zones, Canonical's images, instance types. */

export interface RegionSpec {
  name: string
  zones: readonly string[]
  /**
   * DescribeRegions' OptInStatus. A not-opted-in region (an opt-in region the accounts have not enabled) refuses
   * every call as AuthFailure; an opted-in one (enabled) refuses session tokens of the global STS endpoint, which
   * are valid only in regions enabled by default.
   */
  optIn: 'opt-in-not-required' | 'opted-in' | 'not-opted-in'
}

export const REGIONS: readonly RegionSpec[] = [
  {name: 'us-east-1', zones: ['a', 'b', 'c', 'd', 'e', 'f'], optIn: 'opt-in-not-required'},
  {name: 'us-west-2', zones: ['a', 'b', 'c', 'd'], optIn: 'opt-in-not-required'},
  {name: 'eu-west-1', zones: ['a', 'b', 'c'], optIn: 'opt-in-not-required'},
  {name: 'eu-central-1', zones: ['a', 'b', 'c'], optIn: 'opt-in-not-required'},
  {name: 'ap-southeast-2', zones: ['a', 'b', 'c'], optIn: 'opt-in-not-required'},
  {name: 'ap-east-1', zones: ['a', 'b', 'c'], optIn: 'opted-in'},
  {name: 'af-south-1', zones: ['a', 'b', 'c'], optIn: 'not-opted-in'},
]

/** Canonical's AWS account, the owner of the official Ubuntu images. */
export const CANONICAL_OWNER = '099720109477'

export interface ImageSpec {
  name: string
  architecture: 'x86_64' | 'arm64'
  created: string
  owner: string
  /** The root device's mapping: the snapshot's size (GiB) and the volume EC2 makes from it unless told otherwise. */
  rootVolume: {size: number; type: string; iops?: number; throughput?: number}
  /** Kept out of DescribeImages unless IncludeDeprecated is true. */
  deprecated?: boolean
}

/** Canonical's hvm-ssd-gp3 images map an 8 GiB gp3 root volume with gp3's baseline IOPS and throughput; hvm-ssd ones a gp2 volume. */
const rootVolumeOf = (path: string): ImageSpec['rootVolume'] => (path.endsWith('-gp3') ? {size: 8, type: 'gp3', iops: 3000, throughput: 125} : {size: 8, type: 'gp2'})

const ubuntu = (path: string, codename: string, version: string, arch: 'amd64' | 'arm64', build: string, created: string, extra: Partial<ImageSpec> = {}): ImageSpec => ({
  name: `ubuntu/images/${path}/ubuntu-${codename}-${version}-${arch}-server-${build}`,
  architecture: arch === 'amd64' ? 'x86_64' : 'arm64',
  created,
  owner: CANONICAL_OWNER,
  rootVolume: rootVolumeOf(path),
  ...extra,
})

/**
 * A cut of what Canonical publishes: several builds of the current LTS for both architectures, an older LTS whose
 * newest build is more recent than the current LTS's oldest, an interim release, a Pro image and a deprecated build,
 * so a lookup must choose by version, architecture and date, not by the first or the newest image alone.
 */
export const IMAGES: readonly ImageSpec[] = [
  ubuntu('hvm-ssd-gp3', 'noble', '24.04', 'amd64', '20260801', '2026-08-01T10:12:44.000Z'),
  ubuntu('hvm-ssd-gp3', 'noble', '24.04', 'amd64', '20261105', '2026-11-05T09:30:01.000Z'),
  ubuntu('hvm-ssd-gp3', 'noble', '24.04', 'arm64', '20261105', '2026-11-05T09:41:19.000Z'),
  ubuntu('hvm-ssd-gp3', 'resolute', '26.04', 'amd64', '20260601', '2026-06-01T08:00:00.000Z'),
  ubuntu('hvm-ssd-gp3', 'resolute', '26.04', 'amd64', '20261112', '2026-11-12T07:15:32.000Z'),
  ubuntu('hvm-ssd-gp3', 'resolute', '26.04', 'arm64', '20261112', '2026-11-12T07:27:08.000Z'),
  ubuntu('hvm-ssd-gp3', 'resolute', '26.04', 'amd64', '20261120', '2026-11-20T07:02:10.000Z', {deprecated: true}),
  ubuntu('hvm-ssd', 'jammy', '22.04', 'amd64', '20261118', '2026-11-18T06:55:00.000Z'),
  ubuntu('hvm-ssd-gp3', 'plucky', '25.04', 'amd64', '20261119', '2026-11-19T05:10:00.000Z'),
  {name: 'ubuntu-pro-server/images/hvm-ssd-gp3/ubuntu-resolute-26.04-amd64-pro-server-20261121', architecture: 'x86_64', created: '2026-11-21T04:00:00.000Z', owner: CANONICAL_OWNER, rootVolume: rootVolumeOf('hvm-ssd-gp3')},
]

/** Image ids are derived from region and name, so every simulator run (and test) knows them in advance. */
export function imageId(region: string, name: string): string {
  return `ami-${createHash('sha256').update(`${region}/${name}`).digest('hex').slice(0, 17)}`
}

export interface InstanceTypeSpec {
  name: string
  architecture: 'x86_64' | 'arm64'
  vcpus: number
  memoryMiB: number
  /** Zones (by letter) where the type is not offered, as the oldest zones lack newer types. */
  notIn?: readonly string[]
}

export const INSTANCE_TYPES: readonly InstanceTypeSpec[] = [
  {name: 't3.micro', architecture: 'x86_64', vcpus: 2, memoryMiB: 1024},
  {name: 't3.small', architecture: 'x86_64', vcpus: 2, memoryMiB: 2048},
  {name: 't3.medium', architecture: 'x86_64', vcpus: 2, memoryMiB: 4096, notIn: ['e']},
  {name: 't3.large', architecture: 'x86_64', vcpus: 2, memoryMiB: 8192, notIn: ['e']},
  {name: 't4g.medium', architecture: 'arm64', vcpus: 2, memoryMiB: 4096, notIn: ['e']},
  {name: 'm7i.large', architecture: 'x86_64', vcpus: 2, memoryMiB: 8192, notIn: ['e', 'f']},
  {name: 'm7g.large', architecture: 'arm64', vcpus: 2, memoryMiB: 8192, notIn: ['e', 'f']},
]
