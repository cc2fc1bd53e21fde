import {createHash, createHmac, timingSafeEqual} from 'node:crypto'
import type {IncomingHttpHeaders} from 'node:http'
import {Ec2Fault} from './fault.js'

export interface SimulatorCredentials {
  accessKeyId: string
  secretAccessKey: string
  /** Temporary credentials: requests must carry this token (X-Amz-Security-Token). */
  sessionToken?: string
  /** The token is from the global STS endpoint (version 1), which opt-in regions do not take even when enabled. */
  globalSessionToken?: boolean
  /** The account the keys belong to (12 digits); each account sees only its own resources. */
  account: string
}

export interface SignedBy {
  credentials: SimulatorCredentials
  /** The region of the credential scope: the SDK signs for the region it was given. */
  region: string
}

const CREDENTIAL = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$/
export const BAD_CREDENTIALS = 'AWS was not able to validate the provided access credentials'

/**
 * Check a request's AWS Signature Version 4 as EC2 does: the access key id must be known, and the signature must
 * match the one computed with its secret over the canonical request. Anything else is EC2's AuthFailure.
 */
export function verifySignature(
  request: {method: string; url: string; headers: IncomingHttpHeaders; body: string},
  lookup: (accessKeyId: string) => SimulatorCredentials | undefined,
): SignedBy {
  const authorization = header(request.headers, 'authorization')
  if (authorization === undefined) {
    throw new Ec2Fault('MissingAuthenticationToken', 'The request must contain either a valid (registered) AWS access key ID or X.509 certificate.', 401)
  }
  const match = CREDENTIAL.exec(authorization)
  if (match === null) throw new Ec2Fault('IncompleteSignature', 'The request signature does not conform to AWS standards.', 400)
  const [, accessKeyId, day, region, service, signedHeaders, signature] = match as unknown as [string, string, string, string, string, string, string]
  const credentials = lookup(accessKeyId)
  if (credentials === undefined) throw new Ec2Fault('AuthFailure', BAD_CREDENTIALS, 401)
  if (credentials.sessionToken !== undefined && header(request.headers, 'x-amz-security-token') !== credentials.sessionToken) {
    throw new Ec2Fault('AuthFailure', BAD_CREDENTIALS, 401)
  }
  const amzDate = header(request.headers, 'x-amz-date') ?? ''
  const url = new URL(request.url, 'http://simulator')
  const names = signedHeaders.split(';')
  const canonical = [
    request.method,
    url.pathname,
    [...url.searchParams].map(([key, value]) => `${rfc3986(key)}=${rfc3986(value)}`).sort().join('&'),
    names.map((name) => `${name}:${(header(request.headers, name) ?? '').trim().replace(/\s+/g, ' ')}\n`).join(''),
    signedHeaders,
    header(request.headers, 'x-amz-content-sha256') ?? sha256(request.body),
  ].join('\n')
  const scope = `${day}/${region}/${service}/aws4_request`
  const toSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256(canonical)].join('\n')
  let key: Buffer = hmac(`AWS4${credentials.secretAccessKey}`, day)
  for (const part of [region, service, 'aws4_request']) key = hmac(key, part)
  const expected = Buffer.from(createHmac('sha256', key).update(toSign).digest('hex'))
  if (!timingSafeEqual(expected, Buffer.from(signature))) throw new Ec2Fault('AuthFailure', BAD_CREDENTIALS, 401)
  return {credentials, region}
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name]
  return Array.isArray(value) ? value.join(',') : value
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex')
}

function hmac(key: string | Buffer, data: string): Buffer {
  return createHmac('sha256', key).update(data).digest()
}

function rfc3986(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`)
}
