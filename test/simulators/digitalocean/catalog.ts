/**
 * What the simulated API offers, in the shapes of GET /v2/regions, /v2/sizes and /v2/images/{slug}: a few real
 * regions (one unavailable, as sfo1 and others are), sizes with their regions (one not offered everywhere, one not
 * available at all), distribution images, and a snapshot (an image of the account, known by id) of a droplet
 * whose disk was larger than the smallest sizes'.
 */

export interface RegionRecord {
  slug: string
  name: string
  sizes: string[]
  available: boolean
  features: string[]
}

export interface SizeRecord {
  slug: string
  memory: number
  vcpus: number
  disk: number
  transfer: number
  price_monthly: number
  price_hourly: number
  regions: string[]
  available: boolean
  description: string
}

export interface ImageRecord {
  id: number
  name: string
  distribution: string
  /** Distribution images have one; snapshots are known by id only. */
  slug: string | null
  public: boolean
  regions: string[]
  created_at: string
  type: string
  /** GB of disk a droplet needs for the image: DigitalOcean refuses sizes with a smaller disk. */
  min_disk_size: number
  size_gigabytes: number
  description: string
  tags: string[]
  status: string
  error_message: string
}

const OPEN_REGIONS = ['nyc1', 'nyc3', 'ams3', 'sfo3', 'sgp1', 'lon1', 'fra1', 'tor1', 'blr1', 'syd1']
const FEATURES = ['backups', 'ipv6', 'metadata', 'install_agent', 'storage', 'image_transfer']

function size(slug: string, vcpus: number, memoryGb: number, disk: number, priceMonthly: number, regions = OPEN_REGIONS, available = true): SizeRecord {
  return {
    slug,
    memory: memoryGb * 1024,
    vcpus,
    disk,
    transfer: Math.max(0.5, memoryGb),
    price_monthly: priceMonthly,
    price_hourly: Math.round(priceMonthly / 672 * 100_000) / 100_000,
    regions,
    available,
    description: 'Basic',
  }
}

export const SIZES: readonly SizeRecord[] = [
  size('s-1vcpu-512mb-10gb', 1, 0.5, 10, 4, ['nyc1', 'sfo3', 'fra1']),
  size('s-1vcpu-1gb', 1, 1, 25, 6),
  size('s-1vcpu-2gb', 1, 2, 50, 12),
  size('s-2vcpu-2gb', 2, 2, 60, 18),
  size('s-2vcpu-4gb', 2, 4, 80, 24),
  size('s-4vcpu-8gb', 4, 8, 160, 48),
  size('s-8vcpu-16gb', 8, 16, 320, 96),
  size('c-2', 2, 4, 25, 42),
  size('c-4', 4, 8, 50, 84),
  size('g-2vcpu-8gb', 2, 8, 25, 63, ['nyc1', 'nyc3', 'ams3', 'fra1']),
  size('m-2vcpu-16gb', 2, 16, 50, 84, ['nyc3', 'sfo3']),
  size('so-2vcpu-16gb', 2, 16, 300, 131, ['nyc3']),
  // A size that exists but is sold out everywhere.
  size('gd-40vcpu-160gb', 40, 160, 500, 1260, [], false),
]

export const REGIONS: readonly RegionRecord[] = [
  ...OPEN_REGIONS.map((slug) => ({
    slug,
    name: regionName(slug),
    sizes: SIZES.filter((candidate) => candidate.available && candidate.regions.includes(slug)).map((candidate) => candidate.slug),
    available: true,
    features: FEATURES,
  })),
  // A region that still exists but takes no new droplets.
  {slug: 'sfo1', name: 'San Francisco 1', sizes: [], available: false, features: ['backups', 'ipv6', 'metadata']},
]

function regionName(slug: string): string {
  const names: Record<string, string> = {nyc: 'New York', ams: 'Amsterdam', sfo: 'San Francisco', sgp: 'Singapore', lon: 'London', fra: 'Frankfurt', tor: 'Toronto', blr: 'Bangalore', syd: 'Sydney'}
  return `${names[slug.slice(0, 3)] ?? slug} ${slug.slice(3)}`
}

function image(id: number, slug: string, distribution: string, name: string, regions = OPEN_REGIONS): ImageRecord {
  return {
    id,
    name,
    distribution,
    slug,
    public: true,
    regions,
    created_at: '2024-04-25T14:54:49Z',
    type: 'base',
    min_disk_size: 7,
    size_gigabytes: 2.36,
    description: `${distribution} ${name} x64`,
    tags: [],
    status: 'available',
    error_message: '',
  }
}

const IMAGES: readonly ImageRecord[] = [
  image(155_133_621, 'ubuntu-24-04-x64', 'Ubuntu', '24.04 (LTS) x64'),
  image(129_211_873, 'ubuntu-22-04-x64', 'Ubuntu', '22.04 (LTS) x64'),
  image(147_946_478, 'debian-12-x64', 'Debian', '12 x64'),
  image(106_569_146, 'rockylinux-9-x64', 'Rocky Linux', '9 x64'),
  // An image that is not in every region.
  image(112_929_454, 'fedora-40-x64', 'Fedora', '40 x64', ['nyc3', 'ams3']),
  // A snapshot of an 80 GB droplet: sizes with a smaller disk cannot take it.
  {...image(163_481_722, 'ubuntu-24-04-x64', 'Ubuntu', 'web-2026-11-30'), slug: null, public: false, type: 'snapshot', min_disk_size: 80, size_gigabytes: 11.42, description: ''},
]

/** An image by slug, or by id (as the API and a create request name them). */
export function findImage(ref: unknown): ImageRecord | undefined {
  return IMAGES.find((candidate) => (candidate.slug !== null && candidate.slug === ref) || candidate.id === ref || String(candidate.id) === ref)
}
