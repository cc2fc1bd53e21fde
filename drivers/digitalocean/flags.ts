import type {DriverFlag} from '../../src/driver-kit/index.js'

/** The API base digitalocean-js and DigitalOcean's own tools use; berth adds the /v2 (see settings.ts). */
export const DEFAULT_API_URL = 'https://api.digitalocean.com'
export const DEFAULT_REGION = 'nyc3'
/** Docker Machine's s-1vcpu-1gb leaves too little memory for an engine and a build; 2 GB is today's smallest sensible size. */
export const DEFAULT_SIZE = 's-1vcpu-2gb'
/** The current Ubuntu LTS (Docker Machine's default was ubuntu-16-04-x64). */
export const DEFAULT_IMAGE = 'ubuntu-24-04-x64'
export const TOKEN_FLAG = 'digitalocean-access-token'
export const TOKEN_ENV = 'DIGITALOCEAN_ACCESS_TOKEN'

/** Docker Machine's flags and environment variables for this driver, plus --digitalocean-api-url. */
export const digitalOceanFlags: readonly DriverFlag[] = [
  {name: TOKEN_FLAG, type: 'string', env: TOKEN_ENV, secret: true, description: 'DigitalOcean personal access token (read and write scopes).'},
  {name: 'digitalocean-api-url', type: 'string', env: 'DIGITALOCEAN_API_URL', default: DEFAULT_API_URL, description: 'Base URL of the DigitalOcean API (another endpoint, a proxy).'},
  {name: 'digitalocean-region', type: 'string', env: 'DIGITALOCEAN_REGION', default: DEFAULT_REGION, description: 'Region slug.'},
  {name: 'digitalocean-size', type: 'string', env: 'DIGITALOCEAN_SIZE', default: DEFAULT_SIZE, description: 'Droplet size slug.'},
  {name: 'digitalocean-image', type: 'string', env: 'DIGITALOCEAN_IMAGE', default: DEFAULT_IMAGE, description: 'Image slug or id.'},
  {name: 'digitalocean-tags', type: 'string-array', env: 'DIGITALOCEAN_TAGS', description: 'Droplet tags, comma-separated or repeated (berth always adds "berth").'},
  {name: 'digitalocean-ipv6', type: 'boolean', env: 'DIGITALOCEAN_IPV6', description: 'Enable IPv6.'},
  {name: 'digitalocean-private-networking', type: 'boolean', env: 'DIGITALOCEAN_PRIVATE_NETWORKING', description: 'Enable private networking.'},
  {name: 'digitalocean-backups', type: 'boolean', env: 'DIGITALOCEAN_BACKUPS', description: 'Enable backups.'},
  {name: 'digitalocean-monitoring', type: 'boolean', env: 'DIGITALOCEAN_MONITORING', description: 'Enable the monitoring agent.'},
  {name: 'digitalocean-userdata', type: 'string', env: 'DIGITALOCEAN_USERDATA', description: 'File with user data (cloud-init) for the droplet.'},
  {name: 'digitalocean-ssh-key-fingerprint', type: 'string', env: 'DIGITALOCEAN_SSH_KEY_FINGERPRINT', description: 'MD5 fingerprint of an SSH key already in the account, used instead of importing a new one (needs --digitalocean-ssh-key-path).'},
  {name: 'digitalocean-ssh-key-path', type: 'string', env: 'DIGITALOCEAN_SSH_KEY_PATH', description: 'Private key of the key named by --digitalocean-ssh-key-fingerprint.'},
  {name: 'digitalocean-ssh-user', type: 'string', env: 'DIGITALOCEAN_SSH_USER', default: 'root', description: 'SSH user.'},
  {name: 'digitalocean-ssh-port', type: 'integer', env: 'DIGITALOCEAN_SSH_PORT', default: 22, description: 'SSH port.'},
]
