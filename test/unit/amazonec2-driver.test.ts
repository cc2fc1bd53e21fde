import {createRequire} from 'node:module'
import {describe, expect, it} from 'vitest'
import {Ec2Api, Ec2CallError, type ImageView} from '../../drivers/amazonec2/client.js'
import {credentialSource} from '../../drivers/amazonec2/credentials.js'
import {explainEc2Error} from '../../drivers/amazonec2/errors.js'
import {pickUbuntuLts} from '../../drivers/amazonec2/image.js'
import amazonec2 from '../../drivers/amazonec2/index.js'
import {machineState} from '../../drivers/amazonec2/instance.js'
import {ingressRules} from '../../drivers/amazonec2/security-groups.js'
import {settingsFromFlags} from '../../drivers/amazonec2/settings.js'
import {wordError} from '../../src/cli/error-wording.js'
import {testDriverSetup} from '../../src/driver-kit/testing.js'
import {BerthError, UsageError} from '../../src/core/errors.js'

const setup = testDriverSetup(amazonec2, {storeDir: '/store', machineName: 'm1'})
const image = (name: string, created: string): ImageView => ({id: `ami-${created.replace(/\D/g, '').slice(0, 12)}`, name, architecture: 'x86_64', created})

describe('choosing the Ubuntu LTS image', () => {
  const noble1 = image('ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-20260801', '2026-08-01T00:00:00.000Z')
  const noble2 = image('ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-20261105', '2026-11-05T00:00:00.000Z')
  const jammy = image('ubuntu/images/hvm-ssd/ubuntu-jammy-22.04-amd64-server-20261118', '2026-11-18T00:00:00.000Z')
  const plucky = image('ubuntu/images/hvm-ssd-gp3/ubuntu-plucky-25.04-amd64-server-20261119', '2026-11-19T00:00:00.000Z')
  const interim = image('ubuntu/images/hvm-ssd-gp3/ubuntu-questing-25.10-amd64-server-20261120', '2026-11-20T00:00:00.000Z')
  const pro = image('ubuntu-pro-server/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-pro-server-20261121', '2026-11-21T00:00:00.000Z')
  const minimal = image('ubuntu-minimal/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-minimal-20261122', '2026-11-22T00:00:00.000Z')

  it('takes the newest build of the newest LTS, whatever order EC2 lists them in', () => {
    expect(pickUbuntuLts([noble1, jammy, noble2, plucky, interim, pro, minimal])).toBe(noble2)
    expect(pickUbuntuLts([noble2, noble1].reverse())).toBe(noble2)
  })

  it('prefers a newer LTS even when an older LTS has a more recent build, and ignores interim, Pro and minimal images', () => {
    expect(pickUbuntuLts([jammy, noble1])).toBe(noble1)
    expect(pickUbuntuLts([plucky, interim, pro, minimal])).toBeUndefined()
  })
})

describe('amazonec2 settings from create flags', () => {
  it('applies today\'s defaults and a security group of the machine\'s own', () => {
    expect(settingsFromFlags({}, 'web1')).toEqual({
      region: 'us-east-1', zone: 'a', instanceType: 't3.medium', securityGroups: ['berth-web1'], securityGroupReadonly: false, openPorts: [], tags: [],
      rootSize: 16, volumeType: 'gp3', privateAddressOnly: false, usePrivateAddress: false, spot: false, monitoring: false, ebsOptimized: false,
      sshUser: 'ubuntu', sshPort: 22, retries: 5,
    })
  })

  it('reads Docker Machine\'s formats: tags as key,value pairs, ports with a protocol, a full zone name, an endpoint without a scheme', () => {
    const settings = settingsFromFlags({
      'amazonec2-region': 'eu-west-1', 'amazonec2-zone': 'eu-west-1b', 'amazonec2-tags': 'team,web,env,prod', 'amazonec2-open-port': ['8080', '53/udp'],
      'amazonec2-security-group': ['a,b', 'a'], 'amazonec2-endpoint': 'ec2.internal:8443', 'amazonec2-request-spot-instance': true, 'amazonec2-spot-price': '0.05',
    }, 'm')
    expect(settings).toMatchObject({
      region: 'eu-west-1', zone: 'b', tags: [{key: 'team', value: 'web'}, {key: 'env', value: 'prod'}], openPorts: [{port: 8080, protocol: 'tcp'}, {port: 53, protocol: 'udp'}],
      securityGroups: ['a', 'b'], endpoint: 'https://ec2.internal:8443', spot: true, spotPrice: '0.05',
    })
    expect(settingsFromFlags({'amazonec2-endpoint': '127.0.0.1:9000', 'amazonec2-insecure-transport': true}, 'm').endpoint).toBe('http://127.0.0.1:9000')
    expect(ingressRules(settings, 2376).map((rule) => `${rule.fromPort}/${rule.protocol}`)).toEqual(['22/tcp', '2376/tcp', '8080/tcp', '53/udp'])
  })

  it.each([
    [{'amazonec2-region': 'Mars'}, '--amazonec2-region "Mars" is not a region name.'],
    [{'amazonec2-zone': 'ab'}, '--amazonec2-zone "ab" is not a zone letter.'],
    [{'amazonec2-volume-type': 'ssd'}, '--amazonec2-volume-type "ssd" is not an EBS volume type.'],
    [{'amazonec2-root-size': 0}, '--amazonec2-root-size must be 1 or more (GiB).'],
    [{'amazonec2-volume-iops': 1.5}, '--amazonec2-volume-iops must be a whole number.'],
    [{'amazonec2-volume-throughput': -125}, '--amazonec2-volume-throughput must be 1 or more (MiB/s).'],
    [{'amazonec2-open-port': ['http']}, '--amazonec2-open-port "http" is not a port.'],
    [{'amazonec2-tags': 'aws:x,1'}, '--amazonec2-tags: "aws:x" is not a tag key.'],
    [{'amazonec2-keypair-name': 'mine'}, '--amazonec2-keypair-name needs the key pair\'s private key.'],
    [{'amazonec2-ami': 'ubuntu'}, '--amazonec2-ami "ubuntu" is not an AMI id.'],
    [{'amazonec2-endpoint': 'ftp://x'}, '--amazonec2-endpoint "ftp://x" must be an http:// or https:// URL.'],
    [{'amazonec2-userdata': '/nonexistent/user-data'}, 'The user data file /nonexistent/user-data does not exist.'],
  ])('refuses %j before any call', (values, message) => {
    const refusal = (() => {
      try {
        settingsFromFlags(values, 'm')
      } catch (error) {
        return error
      }
      return undefined
    })()
    expect(refusal).toBeInstanceOf(UsageError)
    expect((refusal as UsageError).message).toBe(message)
  })
})

describe('amazonec2 credentials', () => {
  const reader = (values: Record<string, string>) => (flag: string) => values[flag]

  it('keys first, then the profile, then the SDK\'s default chain', () => {
    expect(credentialSource(reader({'amazonec2-access-key': 'AKIA1', 'amazonec2-secret-key': 's', 'amazonec2-session-token': 't'}), 'dev')).toEqual({kind: 'keys', accessKeyId: 'AKIA1', secretAccessKey: 's', sessionToken: 't'})
    expect(credentialSource(reader({}), 'dev')).toEqual({kind: 'profile', profile: 'dev'})
    expect(credentialSource(reader({}), undefined)).toEqual({kind: 'chain'})
    expect(() => credentialSource(reader({'amazonec2-secret-key': 's'}), undefined)).toThrow('An AWS secret key was given without its access key.')
  })
})

describe('amazonec2 errors', () => {
  const failed = (code: string, status: number, message = 'message') => new Ec2CallError('RunInstances', code, message, status, 5, {cause: undefined})
  const context = {region: 'eu-west-1', instanceType: 'm7i.large', zone: 'eu-west-1c', ami: 'ami-0123456789abcdef0'}

  it.each([
    [failed('AuthFailure', 401), 'AWS did not accept the credentials (AuthFailure).'],
    [failed('UnauthorizedOperation', 403), 'The AWS credentials may not call ec2:RunInstances (UnauthorizedOperation).'],
    [failed('InvalidAMIID.NotFound', 400), 'The AMI ami-0123456789abcdef0 cannot be used in eu-west-1 (InvalidAMIID.NotFound).'],
    [failed('InsufficientInstanceCapacity', 500), 'AWS has no m7i.large capacity in eu-west-1c right now (InsufficientInstanceCapacity).'],
    [failed('InstanceLimitExceeded', 400), 'The account\'s EC2 quota in eu-west-1 allows no more instances of this kind (InstanceLimitExceeded).'],
    [failed('VcpuLimitExceeded', 400), 'The account\'s EC2 quota in eu-west-1 allows no more instances of this kind (VcpuLimitExceeded).'],
    [failed('RequestLimitExceeded', 503), 'EC2 in eu-west-1 kept throttling RunInstances (RequestLimitExceeded) through 5 attempts.'],
    [failed('SignatureDoesNotMatch', 403, 'Credential should be scoped to a valid region, not \'eu-west-1\'.'), 'Unknown AWS region "eu-west-1".'],
    [failed('ENOTFOUND', 0, 'getaddrinfo ENOTFOUND ec2.eu-west-1.amazonaws.com'), 'Unknown AWS region "eu-west-1".'],
    [failed('CredentialsProviderError', 0, 'Could not load credentials from any providers'), 'No AWS credentials were found.'],
    [failed('Unavailable', 503), 'EC2 in eu-west-1 failed RunInstances (Unavailable, HTTP 503) through 5 attempts.'],
    [failed('InvalidParameterValue', 400, 'Value (x) for\nparameter  y is invalid.'), 'EC2 refused RunInstances: InvalidParameterValue: Value (x) for parameter y is invalid.'],
  ])('%s: %s', (error, message) => {
    const explained = explainEc2Error(error, context)
    expect(explained).toBeInstanceOf(BerthError)
    expect((explained as BerthError).message).toBe(message)
    expect(wordError(explained as BerthError).hint).toMatch(/^[^\n]+$/)
  })

  it('leaves other errors as they are', () => {
    const other = new Error('disk full')
    expect(explainEc2Error(other, context)).toBe(other)
  })
})

describe('the amazonec2 driver without EC2', () => {
  it('maps EC2\'s states to berth\'s, a terminated or unknown instance being NotFound', () => {
    expect(['pending', 'running', 'stopping', 'stopped', 'shutting-down', 'terminated'].map((state) => machineState({id: 'i-1', state, spot: false}))).toEqual(['Starting', 'Running', 'Stopping', 'Stopped', 'Stopping', 'NotFound'])
    expect(machineState(undefined)).toBe('NotFound')
  })

  it('does not load the AWS SDK to describe, check, load or store a machine', async () => {
    const loaded = () => Object.keys(createRequire(import.meta.url).cache).filter((path) => path.includes('@aws-sdk/client-ec2'))
    expect(loaded()).toEqual([])
    const health = await amazonec2.probe()
    const created = amazonec2.fromFlags({'amazonec2-access-key': 'AKIAEXAMPLE', 'amazonec2-secret-key': 'secret'}, setup)
    const stored = amazonec2.load(created.toState(), setup)
    expect(await stored.state(AbortSignal.timeout(1000))).toBe('NotFound')
    expect(health).toEqual({installed: true, healthy: true})
    expect(JSON.stringify(stored.toState())).not.toContain('secret')
    expect(loaded()).toEqual([])
    // The first EC2 client is what loads it.
    new Ec2Api({region: 'us-east-1', credentials: {kind: 'chain'}, maxAttempts: 1}).destroy()
    expect(loaded()).not.toEqual([])
  })
})
