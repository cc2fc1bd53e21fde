import {type AdoptedMachine, DockerMachineFields, type DockerMachineHost, type DriverSetup, type ResourceRecord, UsageError} from '../../src/driver-kit/index.js'
import {DigitalOceanDriver} from './driver.js'
import {TOKEN_FLAG} from './flags.js'
import {settingsFromFlags} from './settings.js'

/**
 * A droplet Docker Machine's digitalocean driver made (its Driver struct, drivers/digitalocean/digitalocean.go), as
 * berth's: the fields become the flags they came from, checked as create checks them; AccessToken is the machine's
 * secret; the droplet, and the SSH key Docker Machine imported for it (it had none when the user named a key of the
 * account by SSHKeyFingerprint), are recorded for rm. The machine logs in with berth's copy of Docker Machine's key.
 */
export function digitalOceanFromDockerMachine({driver: dm, sshKeyPath}: DockerMachineHost, setup: DriverSetup): AdoptedMachine {
  const fields = new DockerMachineFields(dm, 'digitalocean')
  const dropletId = dm.DropletID
  if (typeof dropletId !== 'number' || !Number.isInteger(dropletId) || dropletId <= 0) throw new UsageError('Its "Driver.DropletID" is missing.')
  if (sshKeyPath === undefined) throw new UsageError('It has no SSH key ("Driver.SSHKeyPath").')
  fields.set('region', fields.text('Region'))
  fields.set('size', fields.text('Size'))
  fields.set('image', fields.text('Image'))
  fields.set('tags', fields.text('Tags'))
  fields.set('ipv6', dm.IPv6 === true)
  fields.set('private-networking', dm.PrivateNetworking === true)
  fields.set('backups', dm.Backups === true)
  fields.set('monitoring', dm.Monitoring === true)
  fields.set('ssh-user', fields.text('SSHUser'))
  fields.set('ssh-port', typeof dm.SSHPort === 'number' && dm.SSHPort > 0 ? dm.SSHPort : undefined)
  // Docker Machine always spoke to DigitalOcean's own API; a proxy in DIGITALOCEAN_API_URL is berth's own setting.
  fields.set('api-url', setup.env.DIGITALOCEAN_API_URL || undefined)
  const settings = {...settingsFromFlags(fields.flags), sshKeyPath}
  const token = fields.text('AccessToken')
  const keyId = dm.SSHKeyID
  const importedKey: ResourceRecord[] = fields.text('SSHKeyFingerprint') === undefined && typeof keyId === 'number' && keyId > 0 ? [{kind: 'ssh-key', id: String(keyId)}] : []
  return {
    driver: new DigitalOceanDriver(settings, setup, token, {dropletId}),
    ...(token === undefined ? {} : {secrets: {[TOKEN_FLAG]: token}}),
    resources: [{kind: 'droplet', id: String(dropletId), ...(fields.text('DropletName') === undefined ? {} : {name: fields.text('DropletName')})}, ...importedKey],
  }
}
