import {BerthError} from '../errors.js'
import {run} from '../fix.js'
import {quoteValue} from '../safe-text.js'
import type {OsRelease} from './os-release.js'
import {APK, APT, DNF, PACMAN, type PackageManager, ZYPPER} from './package-managers.js'

/** The packages that make up the engine on a distribution, and the package manager that upgrades them. */
export interface EnginePackages {
  manager: PackageManager
  /** Packages whose version is the engine's: the first one installed is the engine's package. */
  engine: readonly string[]
  /** Packages upgraded along with the engine when installed (its client, containerd). */
  companions: readonly string[]
}

/** What berth needs to know of a Linux distribution: facts only, no orchestration. */
interface OsFamily {
  /** The name users see ("Ubuntu"). */
  name: string
  matches(release: OsRelease): boolean
  /** Installs the engine from the distribution's packages, for distributions the official install script does not cover. */
  packageInstall?: string
  /** How `berth upgrade` finds and installs a newer engine. */
  packages: EnginePackages
}

const ids = (release: OsRelease): string[] => [release.ID ?? '', ...(release.ID_LIKE ?? '').split(/\s+/)].filter(Boolean)
const idIs = (...wanted: string[]) => (release: OsRelease): boolean => wanted.includes(release.ID ?? '')

// Docker's own packages first (what the official install script sets up, and what Docker's install guide upgrades
// together), then the distribution's.
const DOCKER_CE_COMPANIONS = ['docker-ce-cli', 'containerd.io', 'docker-buildx-plugin', 'docker-compose-plugin']
const APT_PACKAGES: EnginePackages = {manager: APT, engine: ['docker-ce', 'docker.io'], companions: DOCKER_CE_COMPANIONS}
const DNF_PACKAGES: EnginePackages = {manager: DNF, engine: ['docker-ce', 'moby-engine', 'docker'], companions: DOCKER_CE_COMPANIONS}

/** Supported distributions, most specific first; the first match wins, so the order is the rule. */
export const OS_FAMILIES: readonly OsFamily[] = [
  // Linux Mint and other Ubuntu derivatives say so in ID_LIKE: same packages, paths and init. The official install
  // script serves Mint through its upstream Ubuntu release (lsb_release -u).
  {name: 'Ubuntu', matches: (release) => ids(release).includes('ubuntu'), packages: APT_PACKAGES},
  {name: 'Debian', matches: idIs('debian', 'raspbian'), packages: APT_PACKAGES},
  {name: 'Amazon Linux 2023', matches: (release) => release.ID === 'amzn' && (release.VERSION_ID ?? '').startsWith('2023'), packageInstall: 'dnf -y install docker', packages: {manager: DNF, engine: ['docker'], companions: []}},
  {name: 'Fedora', matches: idIs('fedora'), packages: DNF_PACKAGES},
  {name: 'CentOS Stream', matches: idIs('centos'), packages: DNF_PACKAGES},
  {name: 'Rocky Linux', matches: idIs('rocky'), packages: DNF_PACKAGES},
  {name: 'AlmaLinux', matches: idIs('almalinux'), packages: DNF_PACKAGES},
  {name: 'Red Hat Enterprise Linux', matches: idIs('rhel'), packages: DNF_PACKAGES},
  {name: 'openSUSE / SLES', matches: (release) => ids(release).some((id) => id === 'suse' || id.startsWith('opensuse') || id === 'sles'), packageInstall: 'zypper --non-interactive install docker', packages: {manager: ZYPPER, engine: ['docker'], companions: []}},
  {name: 'Arch Linux', matches: (release) => ids(release).includes('arch'), packageInstall: 'pacman -Sy --noconfirm --needed docker', packages: {manager: PACMAN, engine: ['docker'], companions: []}},
  {name: 'Alpine Linux', matches: idIs('alpine'), packageInstall: 'apk add --no-cache docker', packages: {manager: APK, engine: ['docker-engine', 'docker'], companions: ['docker-cli']}},
]

export function detectOsFamily(release: OsRelease): OsFamily {
  const family = OS_FAMILIES.find((candidate) => candidate.matches(release))
  if (family !== undefined) return family
  // What the host says of itself is shown quoted, cut and with control characters spelled out.
  const name = release.PRETTY_NAME ?? release.ID
  const found = name === undefined ? 'an unidentified system (no /etc/os-release)' : quoteValue(name)
  throw new BerthError(`The host runs ${found}, which berth cannot provision.`, {
    code: 'unsupported-os',
    data: {...(name === undefined ? {} : {os: name}), supported: OS_FAMILIES.map((candidate) => candidate.name)},
    fixes: [run('create', undefined, ['-d', 'none'])],
  })
}
