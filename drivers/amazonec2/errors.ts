import {BerthError, type Prose, prose, run} from '../../src/driver-kit/index.js'
import {Ec2CallError} from './client.js'

/** What an explanation may name: where the call went and what it was for. */
export interface ErrorContext {
  region: string
  endpoint?: string
  /** The profile credentials were read from, when they were. */
  profile?: string
  instanceType?: string
  zone?: string
  ami?: string
}

const CREDENTIALS_HINT = 'Set --amazonec2-access-key and --amazonec2-secret-key (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY), or name a profile of the shared AWS files with --amazonec2-profile (AWS_PROFILE).'
const AUTH_CODES = ['AuthFailure', 'InvalidClientTokenId', 'UnrecognizedClientException', 'InvalidAccessKeyId', 'ExpiredToken']
const QUOTA_CODES = ['InstanceLimitExceeded', 'VcpuLimitExceeded', 'MaxSpotInstanceCountExceeded']
const THROTTLE_CODES = ['RequestLimitExceeded', 'Throttling', 'ThrottlingException']

/**
 * One line naming the cause, and a hint naming the fix, for an EC2 failure. Throttling and server errors get here
 * only once the SDK's retries are spent. Anything that is not an EC2 call's failure is returned as it is.
 */
export function explainEc2Error(error: unknown, context: ErrorContext): unknown {
  if (!(error instanceof Ec2CallError)) return error
  const {action, code, attempts, status} = error
  const {region} = context
  const where = context.endpoint === undefined ? region : `${region} at ${context.endpoint}`
  const make = (message: string, hint: Prose): BerthError => new BerthError(message, {code: 'cloud-api', data: {service: 'ec2', code}, hint, cause: error})

  // The SDK resolves credentials inside the call, so a provider that found none fails the call.
  if (code === 'CredentialsProviderError') {
    if (context.profile === undefined) return make('No AWS credentials were found.', CREDENTIALS_HINT)
    return make(`No AWS credentials were found for the profile "${context.profile}".`, 'Check the profile in ~/.aws/credentials and ~/.aws/config (AWS_SHARED_CREDENTIALS_FILE, AWS_CONFIG_FILE), or set --amazonec2-access-key and --amazonec2-secret-key.')
  }
  if (AUTH_CODES.includes(code)) return make(`AWS did not accept the credentials (${code}).`, CREDENTIALS_HINT)
  // EC2 refuses a credential scope it does not serve this way; without an endpoint, the region's host does not resolve.
  if ((code === 'SignatureDoesNotMatch' && /scoped to a valid region/i.test(error.message)) || (code === 'ENOTFOUND' && context.endpoint === undefined)) {
    return make(`Unknown AWS region "${region}".`, 'Pass --amazonec2-region (AWS_DEFAULT_REGION) with a region such as us-east-1 or eu-west-1.')
  }
  if (code === 'SignatureDoesNotMatch') return make(`AWS did not accept the credentials (${code}): the secret key does not belong to the access key.`, CREDENTIALS_HINT)
  // EC2's word for an account not (yet) subscribed to the service, or to an AMI's Marketplace product; a region
  // that is not enabled answers AuthFailure instead (see region-access.ts).
  if (code === 'OptInRequired') {
    return make(`EC2 refused ${action} (OptInRequired): ${error.message}`, 'The account is not subscribed to what the call needs: a new account may still be being verified, and an AMI from AWS Marketplace needs a subscription to its product first.')
  }
  if (code === 'UnauthorizedOperation') return make(`The AWS credentials may not call ec2:${action} (UnauthorizedOperation).`, `Allow ec2:${action} in the IAM policy of the user or role.`)
  if (code.startsWith('InvalidAMIID')) {
    return make(`The AMI ${context.ami ?? 'given'} cannot be used in ${region} (${code}).`, `AMI ids differ per region: pass one of ${region} with --amazonec2-ami, or leave it out for Ubuntu LTS.`)
  }
  if (code === 'InsufficientInstanceCapacity') {
    return make(`AWS has no ${context.instanceType ?? 'instance'} capacity in ${context.zone ?? region} right now (${code}).`, 'Try another zone (--amazonec2-zone) or instance type (--amazonec2-instance-type), or try again later.')
  }
  if (QUOTA_CODES.includes(code)) {
    return make(`The account's EC2 quota in ${region} allows no more instances of this kind (${code}).`, 'Remove instances you no longer need, or ask AWS for a higher quota (Service Quotas console).')
  }
  if (THROTTLE_CODES.includes(code)) return make(`EC2 in ${where} kept throttling ${action} (${code}) through ${attempts} attempts.`, 'Wait a minute and try again; --amazonec2-retries allows more attempts.')
  if (code === 'TimeoutError') return make(`EC2 in ${where} did not answer ${action} in time.`, 'Check the network (and --amazonec2-endpoint), then try again.')
  if (/^E[A-Z]+$/.test(code)) {
    return make(`EC2 in ${where} cannot be reached for ${action} (${code}).`, context.endpoint === undefined ? 'Check the network connection.' : 'Check --amazonec2-endpoint and the network connection.')
  }
  if ((status ?? 0) >= 500) return make(`EC2 in ${where} failed ${action} (${code}, HTTP ${status}) through ${attempts} attempts.`, 'This is a problem on AWS\'s side: try again later.')
  return make(`EC2 refused ${action}: ${code}: ${error.message}`, prose`Check the amazonec2 flags; ${run('create', undefined, ['-d', 'amazonec2', '--help'])} lists them.`)
}

/** Whether an EC2 call failed with one of these codes. */
export function hasCode(error: unknown, ...codes: string[]): error is Ec2CallError {
  return error instanceof Ec2CallError && codes.includes(error.code)
}
