import {BerthError} from '../../src/driver-kit/index.js'
import type {Ec2Api} from './client.js'
import {hasCode} from './errors.js'

/** A region every account of the partition has enabled (regions launched before 2019 need no opt-in). */
export function partitionHome(region: string): string {
  if (region.startsWith('cn-')) return 'cn-north-1'
  if (region.startsWith('us-gov-')) return 'us-gov-west-1'
  return 'us-east-1'
}

const REGION_HINT = 'Pass --amazonec2-region (AWS_DEFAULT_REGION) with a region such as us-east-1 or eu-west-1.'

/**
 * That the region exists and the account may use it (this call also proves the credentials). EC2 answers every
 * call in a region the account has not enabled with AuthFailure, as it answers wrong credentials, so after an
 * AuthFailure the partition's home region is asked, with the same credentials, what it knows of the region
 * (DescribeRegions with AllRegions lists disabled regions too): a home that refuses them as well means the
 * credentials are wrong, and the original error stands.
 */
export async function checkRegionAccess(api: Ec2Api, askHome: (home: string) => Ec2Api, region: string, signal: AbortSignal): Promise<void> {
  let status: string | undefined
  try {
    status = await api.regionOptIn(region, signal)
  } catch (error) {
    const home = partitionHome(region)
    if (!hasCode(error, 'AuthFailure') || region === home) throw error
    status = await askHome(home).regionOptIn(region, signal).catch(() => {
      throw error
    })
    if (status === 'opted-in' || status === 'opt-in-not-required') {
      throw new BerthError(`AWS did not accept the credentials in ${region} (AuthFailure), though it does in ${home}.`, {
        code: 'cloud-check',
        hint: `A region enabled in the last minutes may not take them yet; session tokens from the global STS endpoint work only in regions enabled by default, so get them from the STS endpoint of ${region}.`,
        cause: error,
      })
    }
  }
  if (status === undefined) throw new BerthError(`Unknown AWS region "${region}".`, {code: 'cloud-check', hint: REGION_HINT})
  if (status === 'not-opted-in') {
    throw new BerthError(`The region ${region} is not enabled for this AWS account.`, {
      code: 'cloud-check',
      hint: `Enable it in the AWS console (Account, AWS Regions) or with "aws account enable-region --region-name ${region}", which takes a few minutes, or choose another region with --amazonec2-region.`,
    })
  }
}
