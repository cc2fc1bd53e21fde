import {findImage, REGIONS, SIZES, type RegionRecord} from './catalog.js'
import type {Account, ActionRecord, DropletRecord, SshKeyRecord} from './model.js'

/** The objects as the v2 API writes them. */

export function accountView(account: Account): Record<string, unknown> {
  return {
    droplet_limit: account.dropletLimit,
    floating_ip_limit: 3,
    volume_limit: 100,
    email: account.email,
    name: 'Sammy the Shark',
    uuid: account.uuid,
    email_verified: true,
    status: 'active',
    status_message: '',
    team: {uuid: account.uuid, name: 'My Team'},
  }
}

export function keyView(key: SshKeyRecord): Record<string, unknown> {
  return {id: key.id, fingerprint: key.fingerprint, public_key: key.publicKey, name: key.name}
}

function regionView(slug: string): RegionRecord {
  return REGIONS.find((region) => region.slug === slug)!
}

export function actionView(action: ActionRecord): Record<string, unknown> {
  return {
    id: action.id,
    status: action.status,
    type: action.type,
    started_at: action.startedAt,
    completed_at: action.completedAt,
    resource_id: action.dropletId,
    resource_type: 'droplet',
    region: regionView(action.region),
    region_slug: action.region,
  }
}

/** locked: an action is in progress on the droplet. */
export function dropletView(droplet: DropletRecord, locked: boolean): Record<string, unknown> {
  const size = SIZES.find((candidate) => candidate.slug === droplet.size)!
  const image = findImage(droplet.image)!
  const host = droplet.host
  // The public address is the host's, while it runs or is off; a droplet still being made has none yet.
  const v4 = droplet.status === 'new' || host === undefined ? [] : [
    {ip_address: host.ip, netmask: droplet.moves === 0 ? '255.255.255.252' : '255.255.255.255', gateway: host.gateway, type: 'public'},
    {ip_address: droplet.privateIp, netmask: '255.255.240.0', gateway: '10.108.0.1', type: 'private'},
  ]
  const v6 = droplet.ipv6 && v4.length > 0 ? [{ip_address: `2604:a880:800:10::${(droplet.id % 0xffff).toString(16)}:1`, netmask: 64, gateway: '2604:a880:800:10::1', type: 'public'}] : []
  const features = [...(droplet.backups ? ['backups'] : []), ...(droplet.ipv6 ? ['ipv6'] : []), ...(droplet.monitoring ? ['monitoring'] : []), 'private_networking']
  return {
    id: droplet.id,
    name: droplet.name,
    memory: size.memory,
    vcpus: size.vcpus,
    disk: size.disk,
    locked,
    status: droplet.status,
    kernel: null,
    created_at: droplet.createdAt,
    features,
    backup_ids: [],
    next_backup_window: droplet.backups ? {start: droplet.createdAt, end: droplet.createdAt} : null,
    snapshot_ids: [],
    image,
    volume_ids: [],
    size,
    size_slug: size.slug,
    networks: {v4, v6},
    region: regionView(droplet.region),
    tags: droplet.tags,
    vpc_uuid: '760e09ef-dc84-11e8-981e-3cfdfeaae000',
  }
}
