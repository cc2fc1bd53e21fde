/** The parts of DigitalOcean's v2 objects berth reads (the API sends more). */

export interface Account {
  droplet_limit: number
  email: string
  uuid: string
  /** active, warning or locked. */
  status: string
  status_message: string
}

export interface Region {
  slug: string
  name: string
  available: boolean
  sizes: string[]
  features: string[]
}

export interface Size {
  slug: string
  available: boolean
  regions: string[]
  memory: number
  vcpus: number
  disk: number
}

export interface Image {
  id: number
  slug: string | null
  name: string
  distribution: string
  regions: string[]
  /** GB of disk a droplet needs for the image. */
  min_disk_size: number
  status?: string
}

export interface SshKey {
  id: number
  fingerprint: string
  public_key: string
  name: string
}

export interface NetworkV4 {
  ip_address: string
  netmask: string
  gateway: string
  /** public or private. */
  type: string
}

export interface Droplet {
  id: number
  name: string
  /** new, active, off or archive. */
  status: string
  locked: boolean
  created_at: string
  tags: string[]
  networks: {v4: NetworkV4[]; v6: {ip_address: string; type: string}[]}
  region: {slug: string}
  size_slug: string
}

export interface DropletRequest {
  name: string
  region: string
  size: string
  image: string | number
  ssh_keys: (string | number)[]
  backups: boolean
  ipv6: boolean
  private_networking: boolean
  monitoring: boolean
  user_data?: string
  tags: string[]
}

export interface Action {
  id: number
  /** in-progress, completed or errored. */
  status: string
  type: string
  started_at: string
  completed_at: string | null
  resource_id: number
  resource_type: string
}

/** The droplet actions berth takes. */
export type PowerAction = 'power_on' | 'shutdown' | 'power_off' | 'reboot'
