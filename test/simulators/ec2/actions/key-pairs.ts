import {createHash} from 'node:crypto'
import type {ActionHandler} from '../call.js'
import {Ec2Fault} from '../fault.js'
import {matchesFilters, tagFilter} from '../filters.js'
import {newId, type KeyPair} from '../world.js'
import {tagSpecifications, tagsXml} from './network.js'

const KEY_LINE = /^(ssh-ed25519|ssh-rsa) ([A-Za-z0-9+/]+={0,2})(\s.*)?$/

export const importKeyPair: ActionHandler = ({params, region}) => {
  const name = params.required('KeyName')
  const material = Buffer.from(params.required('PublicKeyMaterial'), 'base64').toString('utf8').trim()
  const match = KEY_LINE.exec(material)
  if (match === null) throw new Ec2Fault('InvalidKey.Format', 'Key is not in valid OpenSSH public key format')
  if (name.length > 255) throw new Ec2Fault('InvalidParameterValue', 'Value for parameter KeyName is too long.')
  if (region.keyPairs.some((pair) => pair.name === name)) throw new Ec2Fault('InvalidKeyPair.Duplicate', `The keypair already exists`)
  const blob = Buffer.from(match[2]!, 'base64')
  const pair: KeyPair = {
    id: newId('key'),
    name,
    publicKey: `${match[1]} ${match[2]}`,
    // EC2 gives ed25519 keys a base64 SHA-256 fingerprint (and imported RSA keys an MD5 one).
    fingerprint: match[1] === 'ssh-ed25519' ? createHash('sha256').update(blob).digest('base64').replace(/=+$/, '') : createHash('md5').update(blob).digest('hex').replace(/(..)(?!$)/g, '$1:'),
    type: match[1] === 'ssh-ed25519' ? 'ed25519' : 'rsa',
    tags: tagSpecifications(params, 'key-pair'),
    created: new Date(),
  }
  region.keyPairs.push(pair)
  return {keyFingerprint: pair.fingerprint, keyName: pair.name, keyPairId: pair.id, tagSet: tagsXml(pair.tags)}
}

export const describeKeyPairs: ActionHandler = ({params, region}) => {
  const names = params.list('KeyName')
  const missing = names.find((name) => !region.keyPairs.some((pair) => pair.name === name))
  if (missing !== undefined) throw new Ec2Fault('InvalidKeyPair.NotFound', `The key pair '${missing}' does not exist`)
  const filters = params.filters()
  return {
    keySet: region.keyPairs
      .filter((pair) => names.length === 0 || names.includes(pair.name))
      .filter((pair) => matchesFilters(filters, (name) => ({'key-name': [pair.name], 'key-pair-id': [pair.id], 'fingerprint': [pair.fingerprint], 'key-type': [pair.type]})[name] ?? tagFilter(name, pair.tags)))
      .map((pair) => ({keyPairId: pair.id, keyName: pair.name, keyFingerprint: pair.fingerprint, keyType: pair.type, createTime: pair.created, tagSet: tagsXml(pair.tags)})),
  }
}

/** Like EC2, deleting a key pair that does not exist succeeds. */
export const deleteKeyPair: ActionHandler = ({params, region}) => {
  const name = params.string('KeyName')
  const id = params.string('KeyPairId')
  if (name === undefined && id === undefined) throw new Ec2Fault('MissingParameter', 'The request must contain the parameter KeyName or KeyPairId')
  const index = region.keyPairs.findIndex((pair) => pair.name === name || pair.id === id)
  const removed = index === -1 ? undefined : region.keyPairs.splice(index, 1)[0]
  return {return: true, keyPairId: removed?.id}
}
