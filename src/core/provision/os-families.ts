import {BerthError} from '../errors.js'
import {quoteValue} from '../safe-text.js'
import type {OsRelease} from './os-release.js'

/** What berth needs to know of a Linux distribution: facts only, no orchestration. */
export interface OsFamily {
  /** The name users see ("Ubuntu"). */
  name: string
  matches(release: OsRelease): boolean
  /** Installs the engine from the distribution's packages, for distributions the official install script does not cover. */
  packageInstall?: string
  /** Upgrades an installed engine in place with the package manager. */
  packageUpgrade: string
}

const ids = (release: OsRelease): string[] => [release.ID ?? '', ...(release.ID_LIKE ?? '').split(/\s+/)].filter(Boolean)
const idIs = (...wanted: string[]) => (release: OsRelease): boolean => wanted.includes(release.ID ?? '')

const APT_UPGRADE = 'export DEBIAN_FRONTEND=noninteractive; apt-get update -qq && apt-get install -y -qq --only-upgrade docker-ce docker-ce-cli containerd.io docker.io 2>/dev/null || apt-get install -y -qq --only-upgrade docker.io'
const DNF_UPGRADE = 'dnf -y upgrade docker-ce docker-ce-cli containerd.io moby-engine docker 2>/dev/null || dnf -y upgrade docker'

/** Supported distributions, most specific first; the first match wins, so the order is the rule. */
export const OS_FAMILIES: readonly OsFamily[] = [
  // Linux Mint and other Ubuntu derivatives say so in ID_LIKE: same packages, paths and init. The official install
  // script serves Mint through its upstream Ubuntu release (lsb_release -u).
  {name: 'Ubuntu', matches: (release) => ids(release).includes('ubuntu'), packageUpgrade: APT_UPGRADE},
  {name: 'Debian', matches: idIs('debian', 'raspbian'), packageUpgrade: APT_UPGRADE},
  {name: 'Amazon Linux 2023', matches: (release) => release.ID === 'amzn' && (release.VERSION_ID ?? '').startsWith('2023'), packageInstall: 'dnf -y install docker', packageUpgrade: 'dnf -y upgrade docker'},
  {name: 'Fedora', matches: idIs('fedora'), packageUpgrade: DNF_UPGRADE},
  {name: 'CentOS Stream', matches: idIs('centos'), packageUpgrade: DNF_UPGRADE},
  {name: 'Rocky Linux', matches: idIs('rocky'), packageUpgrade: DNF_UPGRADE},
  {name: 'AlmaLinux', matches: idIs('almalinux'), packageUpgrade: DNF_UPGRADE},
  {name: 'Red Hat Enterprise Linux', matches: idIs('rhel'), packageUpgrade: DNF_UPGRADE},
  {name: 'openSUSE / SLES', matches: (release) => ids(release).some((id) => id === 'suse' || id.startsWith('opensuse') || id === 'sles'), packageInstall: 'zypper --non-interactive install docker', packageUpgrade: 'zypper --non-interactive update docker'},
  {name: 'Arch Linux', matches: (release) => ids(release).includes('arch'), packageInstall: 'pacman -Sy --noconfirm --needed docker', packageUpgrade: 'pacman -Sy --noconfirm docker'},
  {name: 'Alpine Linux', matches: idIs('alpine'), packageInstall: 'apk add --no-cache docker', packageUpgrade: 'apk upgrade --no-cache docker'},
]

export function detectOsFamily(release: OsRelease): OsFamily {
  const family = OS_FAMILIES.find((candidate) => candidate.matches(release))
  if (family !== undefined) return family
  // What the host says of itself is shown quoted, cut and with control characters spelled out.
  const name = release.PRETTY_NAME ?? release.ID
  const found = name === undefined ? 'an unidentified system (no /etc/os-release)' : quoteValue(name)
  throw new BerthError(`The host runs ${found}, which berth cannot provision.`, {
    hint: `Supported: ${OS_FAMILIES.map((candidate) => candidate.name).join(', ')}. For anything else, install and configure the engine yourself and register it with "berth create -d none".`,
  })
}
