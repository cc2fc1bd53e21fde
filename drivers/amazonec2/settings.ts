import {existsSync} from 'node:fs'
import {resolve} from 'node:path'
import {checkUrlHost, type FlagValues, prose, run, UsageError} from '../../src/driver-kit/index.js'
import {DEFAULTS} from './flags.js'
import {VOLUME_RULES} from './volume-rules.js'

export interface IngressPort {
  port: number
  protocol: 'tcp' | 'udp'
}

/** What the user chose for a machine (flags with defaults applied). Never credentials: those are read when needed. */
export interface Ec2Settings {
  region: string
  /** The availability zone's letter; the subnet decides the zone when one is given. */
  zone: string
  endpoint?: string
  profile?: string
  ami?: string
  instanceType: string
  vpcId?: string
  subnetId?: string
  securityGroups: string[]
  securityGroupReadonly: boolean
  openPorts: IngressPort[]
  tags: {key: string; value: string}[]
  rootSize: number
  volumeType: string
  /** Provisioned IOPS and throughput (MiB/s) of the root volume, when given. */
  volumeIops?: number
  volumeThroughput?: number
  deviceName?: string
  iamInstanceProfile?: string
  userdataPath?: string
  privateAddressOnly: boolean
  usePrivateAddress: boolean
  spot: boolean
  spotPrice?: string
  monitoring: boolean
  ebsOptimized: boolean
  sshUser: string
  sshPort: number
  /** With keypairName: the user's own key; else the machine's key berth generates. */
  sshKeyPath?: string
  /** The key the user gave, once sshKeyPath is the machine's copy of it: the one messages name. */
  sshKeyOrigin?: string
  keypairName?: string
  retries: number
}

const VOLUME_TYPES = Object.keys(VOLUME_RULES)
const REGION = /^[a-z]{2}(-[a-z]+)+-\d+$/
const ZONE = /^[a-z]$/
const TAG_KEY = /^(?!aws:).{1,128}$/

/**
 * Settings from create's flags; what is wrong in itself is refused here. What EC2 would refuse of a well-formed
 * value (a volume type that cannot boot, a size or IOPS out of the type's range) is the pre-create check's.
 */
export function settingsFromFlags(values: FlagValues, machineName: string): Ec2Settings {
  const string = (flag: string): string | undefined => {
    const value = values[`amazonec2-${flag}`]
    return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined
  }
  const strings = (flag: string): string[] => {
    const value = values[`amazonec2-${flag}`]
    return (Array.isArray(value) ? value : typeof value === 'string' ? [value] : []).flatMap((item) => item.split(',')).map((item) => item.trim()).filter(Boolean)
  }
  const integer = <T extends number | undefined>(flag: string, fallback: T): number | T => {
    const value = values[`amazonec2-${flag}`] ?? fallback
    if (value === undefined) return fallback
    if (typeof value !== 'number' || !Number.isInteger(value)) throw new UsageError(`--amazonec2-${flag} must be a whole number.`)
    return value
  }
  const flag = (name: string): boolean => values[`amazonec2-${name}`] === true

  const region = string('region') ?? DEFAULTS.region
  if (!REGION.test(region)) throw new UsageError(`--amazonec2-region "${region}" is not a region name.`, {hint: 'Use a name such as us-east-1 or eu-west-1 (AWS_DEFAULT_REGION sets it too).'})
  const zone = (string('zone') ?? DEFAULTS.zone).toLowerCase()
  const zoneLetter = zone.startsWith(region) ? zone.slice(region.length) : zone
  if (!ZONE.test(zoneLetter)) throw new UsageError(`--amazonec2-zone "${zone}" is not a zone letter.`, {hint: `Use a letter such as a or b (the zone ${region}a is "a").`})

  const volumeType = string('volume-type') ?? DEFAULTS.volumeType
  if (!VOLUME_TYPES.includes(volumeType)) throw new UsageError(`--amazonec2-volume-type "${volumeType}" is not an EBS volume type.`, {hint: `Use one of ${VOLUME_TYPES.join(', ')}.`})
  const rootSize = integer('root-size', DEFAULTS.rootSize)
  if (rootSize < 1) throw new UsageError('--amazonec2-root-size must be 1 or more (GiB).')
  const volumeIops = integer('volume-iops', undefined)
  if (volumeIops !== undefined && volumeIops < 1) throw new UsageError('--amazonec2-volume-iops must be 1 or more.')
  const volumeThroughput = integer('volume-throughput', undefined)
  if (volumeThroughput !== undefined && volumeThroughput < 1) throw new UsageError('--amazonec2-volume-throughput must be 1 or more (MiB/s).')
  const sshPort = integer('ssh-port', DEFAULTS.sshPort)
  if (sshPort < 1 || sshPort > 65535) throw new UsageError('--amazonec2-ssh-port must be a port number from 1 to 65535.')
  const retries = integer('retries', DEFAULTS.retries)
  if (retries < 1 || retries > 20) throw new UsageError('--amazonec2-retries must be from 1 to 20.')

  const keypairName = string('keypair-name')
  const keyPath = string('ssh-keypath')
  if (keypairName !== undefined && keyPath === undefined) {
    throw new UsageError('--amazonec2-keypair-name needs the key pair\'s private key.', {hint: 'Pass it with --amazonec2-ssh-keypath PATH (or AWS_SSH_KEYPATH).'})
  }
  if (keyPath !== undefined && keypairName === undefined) {
    throw new UsageError('--amazonec2-ssh-keypath needs the name of its EC2 key pair.', {hint: 'Pass --amazonec2-keypair-name NAME, or leave both out: berth then makes a key for the machine.'})
  }
  const sshKeyPath = keyPath === undefined ? undefined : resolve(keyPath)

  const userdataPath = string('userdata') === undefined ? undefined : resolve(string('userdata')!)
  if (userdataPath !== undefined && !existsSync(userdataPath)) throw new UsageError(`The user data file ${userdataPath} does not exist.`, {hint: 'Pass --amazonec2-userdata with a readable file.'})

  const endpoint = endpointUrl(string('endpoint'), flag('insecure-transport'))
  const spotPrice = string('spot-price')
  if (spotPrice !== undefined && !(Number(spotPrice) > 0)) throw new UsageError(`--amazonec2-spot-price "${spotPrice}" is not a price.`, {hint: 'Give the highest hourly price in USD, e.g. 0.05.'})
  if (spotPrice !== undefined && !flag('request-spot-instance')) throw new UsageError('--amazonec2-spot-price needs --amazonec2-request-spot-instance.')
  const ami = string('ami')
  if (ami !== undefined && !/^ami-[0-9a-f]{8,17}$/.test(ami)) throw new UsageError(`--amazonec2-ami "${ami}" is not an AMI id.`, {hint: 'AMI ids look like ami-0123456789abcdef0.'})

  const settings: Ec2Settings = {
    region,
    zone: zoneLetter,
    instanceType: string('instance-type') ?? DEFAULTS.instanceType,
    securityGroups: strings('security-group').length > 0 ? [...new Set(strings('security-group'))] : [`berth-${machineName}`],
    securityGroupReadonly: flag('security-group-readonly'),
    openPorts: strings('open-port').map(parsePort),
    tags: parseTags(string('tags')),
    rootSize,
    volumeType,
    privateAddressOnly: flag('private-address-only'),
    usePrivateAddress: flag('use-private-address'),
    spot: flag('request-spot-instance'),
    monitoring: flag('monitoring'),
    ebsOptimized: flag('use-ebs-optimized-instance'),
    sshUser: string('ssh-user') ?? DEFAULTS.sshUser,
    sshPort,
    retries,
  }
  const optional: Partial<Ec2Settings> = {
    endpoint, profile: string('profile'), ami, vpcId: string('vpc-id'), subnetId: string('subnet-id'), deviceName: string('device-name'),
    iamInstanceProfile: string('iam-instance-profile'), userdataPath, spotPrice, sshKeyPath, keypairName, volumeIops, volumeThroughput,
  }
  for (const [key, value] of Object.entries(optional)) if (value !== undefined) Object.assign(settings, {[key]: value})
  return settings
}

/** Settings as a stored machine holds them (what toState wrote). */
export function settingsFromState(state: Record<string, unknown>): Ec2Settings {
  const settings = state.settings
  if (typeof settings !== 'object' || settings === null || typeof (settings as Ec2Settings).region !== 'string') {
    throw new UsageError('The machine\'s amazonec2 settings are missing from its config.json.', {code: 'driver-state-damaged', data: {driver: 'amazonec2'}, hint: prose`Restore its config.json from a backup; or terminate its instance and delete its key pair and security group in the EC2 console (config.json lists their ids under "resources"), and only then forget the machine with ${run('rm', 'NAME', ['-f'])}.`})
  }
  return settings as Ec2Settings
}

/** The endpoint as a URL; one without a scheme is https://, or http:// with --amazonec2-insecure-transport (as Docker Machine). */
function endpointUrl(given: string | undefined, insecure: boolean): string | undefined {
  if (given === undefined) {
    if (insecure) throw new UsageError('--amazonec2-insecure-transport needs --amazonec2-endpoint.')
    return undefined
  }
  const withScheme = /^[a-z]+:\/\//i.test(given) ? given : `${insecure ? 'http' : 'https'}://${given}`
  checkUrlHost('--amazonec2-endpoint', withScheme)
  let url: URL
  try {
    url = new URL(withScheme)
  } catch {
    throw new UsageError(`--amazonec2-endpoint "${given}" is not a URL.`)
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`--amazonec2-endpoint "${given}" must be an http:// or https:// URL.`)
  return withScheme.replace(/\/+$/, '')
}

function parsePort(text: string): IngressPort {
  const match = /^(\d{1,5})(?:\/(tcp|udp))?$/i.exec(text)
  const port = Number(match?.[1])
  if (match === null || port < 1 || port > 65535) throw new UsageError(`--amazonec2-open-port "${text}" is not a port.`, {hint: 'Use PORT or PORT/udp, e.g. 8080 or 53/udp.'})
  return {port, protocol: (match[2]?.toLowerCase() ?? 'tcp') as 'tcp' | 'udp'}
}

/** Docker Machine's --amazonec2-tags format: key1,value1,key2,value2. */
function parseTags(text: string | undefined): {key: string; value: string}[] {
  if (text === undefined) return []
  const parts = text.split(',').map((part) => part.trim())
  if (parts.length % 2 !== 0) throw new UsageError(`--amazonec2-tags "${text}" needs a value for every key.`, {hint: 'Use key1,value1,key2,value2.'})
  const tags: {key: string; value: string}[] = []
  for (let index = 0; index < parts.length; index += 2) {
    const key = parts[index]!
    if (!TAG_KEY.test(key)) throw new UsageError(`--amazonec2-tags: "${key}" is not a tag key.`, {hint: 'Keys have 1 to 128 characters and must not start with "aws:".'})
    tags.push({key, value: parts[index + 1]!})
  }
  return tags
}
