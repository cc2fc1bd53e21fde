import {type AdoptedMachine, type DockerMachineHost, type DriverSetup, type FlagValues, type ResourceRecord, UsageError} from '../../src/driver-kit/index.js'
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
  const text = (field: string): string | undefined => (typeof dm[field] === 'string' && dm[field] !== '' ? dm[field] : undefined)
  const dropletId = dm.DropletID
  if (typeof dropletId !== 'number' || !Number.isInteger(dropletId) || dropletId <= 0) throw new UsageError('Its "Driver.DropletID" is missing.')
  if (sshKeyPath === undefined) throw new UsageError('It has no SSH key ("Driver.SSHKeyPath").')
  const values: FlagValues = {}
  const set = (flag: string, value: string | boolean | string[] | number | undefined): void => {
    if (value !== undefined && value !== false) values[`digitalocean-${flag}`] = value
  }
  set('region', text('Region'))
  set('size', text('Size'))
  set('image', text('Image'))
  set('tags', text('Tags'))
  set('ipv6', dm.IPv6 === true)
  set('private-networking', dm.PrivateNetworking === true)
  set('backups', dm.Backups === true)
  set('monitoring', dm.Monitoring === true)
  set('ssh-user', text('SSHUser'))
  set('ssh-port', typeof dm.SSHPort === 'number' && dm.SSHPort > 0 ? dm.SSHPort : undefined)
  // Docker Machine always spoke to DigitalOcean's own API; a proxy in DIGITALOCEAN_API_URL is berth's own setting.
  set('api-url', setup.env.DIGITALOCEAN_API_URL || undefined)
  const settings = {...settingsFromFlags(values), sshKeyPath}
  const token = text('AccessToken')
  const keyId = dm.SSHKeyID
  const importedKey: ResourceRecord[] = text('SSHKeyFingerprint') === undefined && typeof keyId === 'number' && keyId > 0 ? [{kind: 'ssh-key', id: String(keyId)}] : []
  return {
    driver: new DigitalOceanDriver(settings, setup, token, {dropletId}),
    ...(token === undefined ? {} : {secrets: {[TOKEN_FLAG]: token}}),
    resources: [{kind: 'droplet', id: String(dropletId), ...(text('DropletName') === undefined ? {} : {name: text('DropletName')})}, ...importedKey],
  }
}
