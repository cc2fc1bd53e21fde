import {type DriverSetup, type FlagValues, UsageError} from '../../src/driver-kit/index.js'
import type {CredentialSource} from './client.js'

/** Reads a secret flag's value: typed at create, or from the environment or the machine's credentials file later. */
export type SecretReader = (flag: 'amazonec2-access-key' | 'amazonec2-secret-key' | 'amazonec2-session-token') => string | undefined

/** At create: the flags as parsed (a flag not typed comes from its environment variable). */
export function typedSecrets(values: FlagValues): SecretReader {
  return (flag) => nonEmpty(values[flag])
}

/** For a stored machine: its environment variable, else what was typed at create (kept by the core, 0600). */
export function storedSecrets(setup: DriverSetup): SecretReader {
  return (flag) => nonEmpty(setup.secret(flag))
}

function nonEmpty(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined
}

/**
 * Where the AWS credentials come from: keys (flags or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY) first, as Docker
 * Machine did, then the named profile, then the SDK's default chain (shared files, SSO, container or instance role).
 */
export function credentialSource(read: SecretReader, profile: string | undefined): CredentialSource {
  const accessKeyId = read('amazonec2-access-key')
  const secretAccessKey = read('amazonec2-secret-key')
  const sessionToken = read('amazonec2-session-token')
  if (accessKeyId !== undefined && secretAccessKey === undefined) {
    throw new UsageError('An AWS access key was given without its secret key.', {hint: 'Pass --amazonec2-secret-key (or set AWS_SECRET_ACCESS_KEY) with it.'})
  }
  if (secretAccessKey !== undefined && accessKeyId === undefined) {
    throw new UsageError('An AWS secret key was given without its access key.', {hint: 'Pass --amazonec2-access-key (or set AWS_ACCESS_KEY_ID) with it.'})
  }
  if (accessKeyId !== undefined && secretAccessKey !== undefined) return {kind: 'keys', accessKeyId, secretAccessKey, ...(sessionToken === undefined ? {} : {sessionToken})}
  if (profile !== undefined) return {kind: 'profile', profile}
  return {kind: 'chain'}
}

/** Which credentials a connection uses, without the secret: machines that share it share one EC2 client in `ls`. */
export function credentialIdentity(source: CredentialSource): string {
  if (source.kind === 'keys') return `keys:${source.accessKeyId}`
  if (source.kind === 'profile') return `profile:${source.profile}`
  return 'chain'
}
