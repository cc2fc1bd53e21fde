import {describe, expect, it} from 'vitest'
import {wordError} from '../../src/cli/error-wording.js'
import {partitionHome} from '../../drivers/amazonec2/region-access.js'
import {rootVolumeProblem, snapshotProblem, VOLUME_RULES, type RootVolume} from '../../drivers/amazonec2/volume-rules.js'

const line = (volume: RootVolume): string | undefined => {
  const problem = rootVolumeProblem(volume)
  if (problem === undefined) return undefined
  const {message, hint} = wordError(problem)
  return `${message} ${hint ?? ''}`.trim()
}

describe('EBS rules for the root volume', () => {
  it('has EC2\'s sizes per type, and only st1 and sc1 cannot boot', () => {
    expect(Object.fromEntries(Object.entries(VOLUME_RULES).map(([type, rule]) => [type, [rule.size.min, rule.size.max, rule.bootable]]))).toEqual({
      gp3: [1, 65536, true], gp2: [1, 16384, true], io1: [4, 16384, true], io2: [4, 65536, true], st1: [125, 16384, false], sc1: [125, 16384, false], standard: [1, 1024, true],
    })
  })

  it.each([
    {type: 'gp3', size: 16}, {type: 'gp3', size: 1}, {type: 'gp3', size: 65536}, {type: 'gp2', size: 16384}, {type: 'standard', size: 1024},
    {type: 'io1', size: 16, iops: 800}, {type: 'io2', size: 16, iops: 16000}, {type: 'io1', size: 4, iops: 100},
    // gp3's baseline 3000 IOPS and 125 MiB/s suit any size; above them, 500 IOPS per GiB and 0.25 MiB/s per IOPS.
    {type: 'gp3', size: 1, iops: 3000}, {type: 'gp3', size: 32, iops: 16000}, {type: 'gp3', size: 160, iops: 80000, throughput: 2000},
    {type: 'gp3', size: 16, throughput: 750}, {type: 'gp3', size: 16, iops: 8000, throughput: 2000}, {type: 'gp3', size: 1, throughput: 125},
  ])('takes %j', (volume) => {
    expect(line(volume)).toBeUndefined()
  })

  it.each([
    [{type: 'st1', size: 500}, '--amazonec2-volume-type st1 cannot hold the root volume: EC2 boots only from gp3, gp2, io1, io2 and standard volumes. Use --amazonec2-volume-type gp3 (the default) or another of those types.'],
    [{type: 'sc1', size: 16}, '--amazonec2-volume-type sc1 cannot hold the root volume: EC2 boots only from gp3, gp2, io1, io2 and standard volumes. Use --amazonec2-volume-type gp3 (the default) or another of those types.'],
    [{type: 'standard', size: 2000}, '--amazonec2-root-size 2000 is out of range for standard volumes: EC2 makes them from 1 to 1024 GiB. Pass --amazonec2-root-size 1024 or less, or choose a type that takes it (gp3, gp2, io1, io2).'],
    [{type: 'gp2', size: 20000}, '--amazonec2-root-size 20000 is out of range for gp2 volumes: EC2 makes them from 1 to 16384 GiB. Pass --amazonec2-root-size 16384 or less, or choose a type that takes it (gp3, io2).'],
    [{type: 'io1', size: 2, iops: 100}, '--amazonec2-root-size 2 is out of range for io1 volumes: EC2 makes them from 4 to 16384 GiB. Pass --amazonec2-root-size 4 or more, or choose a type that takes it (gp3, gp2, standard).'],
    [{type: 'io1', size: 16}, '--amazonec2-volume-type io1 needs --amazonec2-volume-iops: EC2 requires provisioned IOPS for io1 volumes (100 to 64000, at most 50 per GiB). Pass --amazonec2-volume-iops 800, for instance, or choose --amazonec2-volume-type gp3 (the default).'],
    [{type: 'io2', size: 16}, '--amazonec2-volume-type io2 needs --amazonec2-volume-iops: EC2 requires provisioned IOPS for io2 volumes (100 to 256000, at most 1000 per GiB). Pass --amazonec2-volume-iops 3000, for instance, or choose --amazonec2-volume-type gp3 (the default).'],
    [{type: 'io1', size: 16, iops: 50}, '--amazonec2-volume-iops 50 is out of range for io1: EC2 allows 100 to 64000. Pass --amazonec2-volume-iops with a value in that range.'],
    [{type: 'io1', size: 16, iops: 1000}, '--amazonec2-volume-iops 1000 is too many for a 16 GiB io1 volume: EC2 allows at most 50 IOPS per GiB (800 here). Lower --amazonec2-volume-iops to 800, or raise --amazonec2-root-size to 20.'],
    [{type: 'gp3', size: 20, iops: 15000}, '--amazonec2-volume-iops 15000 is too many for a 20 GiB gp3 volume: EC2 allows at most 500 IOPS per GiB (10000 here). Lower --amazonec2-volume-iops to 10000, or raise --amazonec2-root-size to 30.'],
    [{type: 'gp3', size: 500, iops: 90000}, '--amazonec2-volume-iops 90000 is out of range for gp3: EC2 allows 3000 to 80000. Pass --amazonec2-volume-iops with a value in that range.'],
    [{type: 'gp2', size: 16, iops: 3000}, '--amazonec2-volume-iops does not apply to gp2 volumes: EC2 provisions IOPS only for gp3, io1 and io2. Leave out --amazonec2-volume-iops, or choose one of those with --amazonec2-volume-type.'],
    [{type: 'standard', size: 16, iops: 100}, '--amazonec2-volume-iops does not apply to standard volumes: EC2 provisions IOPS only for gp3, io1 and io2. Leave out --amazonec2-volume-iops, or choose one of those with --amazonec2-volume-type.'],
    [{type: 'io2', size: 16, iops: 3000, throughput: 500}, '--amazonec2-volume-throughput does not apply to io2 volumes: EC2 provisions throughput only for gp3. Leave out --amazonec2-volume-throughput, or choose --amazonec2-volume-type gp3.'],
    [{type: 'gp3', size: 16, throughput: 100}, '--amazonec2-volume-throughput 100 is out of range for gp3: EC2 allows 125 to 2000 MiB/s. Pass --amazonec2-volume-throughput with a value in that range.'],
    [{type: 'gp3', size: 16, throughput: 1000}, '--amazonec2-volume-throughput 1000 is too high for 3000 IOPS: EC2 allows at most 0.25 MiB/s per IOPS (750 here). Lower --amazonec2-volume-throughput to 750, or raise --amazonec2-volume-iops to 4000.'],
  ])('refuses %j with one line naming the flag, the value, the rule and the fix', (volume, expected) => {
    expect(line(volume)).toBe(expected)
  })

  it('the root volume is no smaller than the AMI\'s snapshot', () => {
    expect(snapshotProblem(16, 8, 'ami-0123456789abcdef0')).toBeUndefined()
    expect(snapshotProblem(8, 8, 'ami-0123456789abcdef0')).toBeUndefined()
    expect(snapshotProblem(16, undefined, 'ami-0123456789abcdef0')).toBeUndefined()
    const problem = snapshotProblem(6, 8, 'ami-0123456789abcdef0')
    expect(`${problem?.message} ${wordError(problem!).hint}`).toBe('--amazonec2-root-size 6 is smaller than the root snapshot of ami-0123456789abcdef0 (8 GiB), which EC2 makes the root volume from. Pass --amazonec2-root-size 8 or more.')
  })
})

describe('the region berth asks about a region that refuses the credentials', () => {
  it.each([['af-south-1', 'us-east-1'], ['ap-east-1', 'us-east-1'], ['us-east-1', 'us-east-1'], ['cn-northwest-1', 'cn-north-1'], ['us-gov-east-1', 'us-gov-west-1']])('%s: %s', (region, home) => {
    expect(partitionHome(region)).toBe(home)
  })
})
