import {shellQuote} from '../ssh/shell-quote.js'
import {lastLine} from './remote-script.js'

/** An installed package and the version its package manager would upgrade it to (the installed one when nothing is newer). */
export interface PackageVersions {
  name: string
  installed: string
  candidate: string
}

/**
 * What berth needs of a package manager to upgrade the engine without guessing: refresh the index, read the
 * installed and candidate versions, upgrade named packages. Commands run as root in the C locale; package names
 * come from the OS families, never from a user.
 */
export interface PackageManager {
  /** The package manager's name ("apt"). */
  name: string
  /** Where the host's package sources are configured, for the hint when one cannot be reached. */
  sources: string
  /** Refreshes the package index from every configured source. */
  refresh: string
  /** Lines of its output that say a source could not be used (apt, for one, still exits 0 after a failed refresh). */
  failure: RegExp
  /** Prints the installed and candidate versions of the packages, for parseVersions. Reads local state only. */
  versions(packages: readonly string[]): string
  /** The installed packages among those asked for, with their candidates, in the order asked for. */
  parseVersions(output: string, packages: readonly string[]): PackageVersions[]
  /** Upgrades the packages in place, without questions. */
  upgrade(packages: readonly string[]): string
}

const words = (packages: readonly string[]): string => packages.map(shellQuote).join(' ')

/** Keeps the packages asked for that are installed, in that order; a package without a candidate stays as it is. */
function collect(packages: readonly string[], installed: ReadonlyMap<string, string>, candidates: ReadonlyMap<string, string>): PackageVersions[] {
  return packages.flatMap((name) => {
    const version = installed.get(name)
    return version === undefined ? [] : [{name, installed: version, candidate: candidates.get(name) ?? version}]
  })
}

/** `installed NAME VERSION` and `candidate NAME VERSION` lines, as the rpm-based commands below print them. */
function parseTaggedLines(output: string, packages: readonly string[]): PackageVersions[] {
  const found = {installed: new Map<string, string>(), candidate: new Map<string, string>()}
  for (const line of output.split('\n')) {
    const match = /^(installed|candidate) (\S+) (\S+)\s*$/.exec(line)
    if (match) found[match[1] as 'installed' | 'candidate'].set(match[2]!, match[3]!)
  }
  return collect(packages, found.installed, found.candidate)
}

/** `apt-cache policy`: a block per package known to apt, with `Installed:` and `Candidate:` ("(none)" when absent). */
export function parseAptPolicy(output: string, packages: readonly string[]): PackageVersions[] {
  const installed = new Map<string, string>()
  const candidates = new Map<string, string>()
  let current: string | undefined
  for (const line of output.split('\n')) {
    const header = /^(\S+):$/.exec(line)
    if (header) {
      current = header[1]!
      continue
    }
    const field = /^\s+(Installed|Candidate): (\S+)\s*$/.exec(line)
    if (current === undefined || !field || field[2] === '(none)') continue
    ;(field[1] === 'Installed' ? installed : candidates).set(current, field[2]!)
  }
  return collect(packages, installed, candidates)
}

/** `pacman -Q` (`docker 1:26.1.4-1`) then `pacman -Qu` (`docker 1:26.1.4-1 -> 1:27.0.3-1`). */
export function parsePacman(output: string, packages: readonly string[]): PackageVersions[] {
  const installed = new Map<string, string>()
  const candidates = new Map<string, string>()
  for (const line of output.split('\n')) {
    const upgrade = /^(\S+) (\S+) -> (\S+)\s*$/.exec(line)
    if (upgrade) {
      candidates.set(upgrade[1]!, upgrade[3]!)
      continue
    }
    const present = /^(\S+) (\S+)\s*$/.exec(line)
    if (present) installed.set(present[1]!, present[2]!)
  }
  return collect(packages, installed, candidates)
}

/**
 * `apk list --installed` and `apk list --upgradable`: `docker-26.1.5-r0 x86_64 {docker} (Apache-2.0) [installed]`,
 * `docker-27.3.1-r0 x86_64 {docker} (Apache-2.0) [upgradable from: docker-26.1.5-r0]`. The name and version share the
 * first word; Alpine versions end in -rN.
 */
export function parseApkList(output: string, packages: readonly string[]): PackageVersions[] {
  const installed = new Map<string, string>()
  const candidates = new Map<string, string>()
  for (const line of output.split('\n')) {
    const match = /^(\S+)-(\d[^\s-]*-r\d+) .*\[(installed|upgradable from: .*)\]\s*$/.exec(line)
    if (!match) continue
    ;(match[3] === 'installed' ? installed : candidates).set(match[1]!, match[2]!)
  }
  return collect(packages, installed, candidates)
}

/**
 * `installed ...` lines from rpm, then zypper's table of updates: `S | Repository | Name | Current Version |
 * Available Version | Arch`, one row per package with a newer version.
 */
export function parseZypper(output: string, packages: readonly string[]): PackageVersions[] {
  const candidates = new Map<string, string>()
  for (const line of output.split('\n')) {
    const cells = line.split('|').map((cell) => cell.trim())
    if (cells.length >= 6 && packages.includes(cells[2]!)) candidates.set(cells[2]!, cells[4]!)
  }
  const installed = new Map(parseTaggedLines(output, packages).map((entry) => [entry.name, entry.installed]))
  return collect(packages, installed, candidates)
}

/** rpm's installed versions, tagged so the parsers tell them from the candidates; rpm exits non-zero for a missing one. */
const rpmInstalled = (packages: readonly string[]): string => `rpm -q --qf 'installed %{NAME} %{VERSION}-%{RELEASE}\\n' ${words(packages)}`

export const APT: PackageManager = {
  name: 'apt',
  sources: '/etc/apt/sources.list and /etc/apt/sources.list.d/',
  refresh: 'apt-get update',
  failure: /^(?:[WE]: (?:Failed to fetch|GPG error|Some index files failed to download)|E: ).*$/gm,
  versions: (packages) => `apt-cache policy ${words(packages)}`,
  parseVersions: parseAptPolicy,
  // A configuration file berth or the user changed (sysvinit's /etc/default/docker is one) is kept, never asked about.
  upgrade: (packages) => `DEBIAN_FRONTEND=noninteractive apt-get install -y --only-upgrade -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold ${words(packages)}`,
}

export const DNF: PackageManager = {
  name: 'dnf',
  sources: '/etc/yum.repos.d/',
  refresh: 'dnf -q makecache --refresh',
  failure: /^(?:Error: |Errors during downloading metadata|Ignoring repositories: |Failed to download metadata|(?:>>> )?Curl error).*$/gm,
  versions: (packages) => `${rpmInstalled(packages)}; dnf -q -C repoquery --upgrades --latest-limit 1 --qf 'candidate %{name} %{evr}\\n' ${words(packages)}`,
  parseVersions: parseTaggedLines,
  upgrade: (packages) => `dnf -y upgrade ${words(packages)}`,
}

export const ZYPPER: PackageManager = {
  name: 'zypper',
  sources: '/etc/zypp/repos.d/',
  refresh: 'zypper --non-interactive refresh',
  failure: /^(?:Download \(curl\) error|Problem retrieving files from|Repository '.*' is invalid|Some of the repositories have not been refreshed).*$/gm,
  versions: (packages) => `${rpmInstalled(packages)}; zypper --non-interactive --quiet --no-refresh list-updates`,
  parseVersions: parseZypper,
  upgrade: (packages) => `zypper --non-interactive update ${words(packages)}`,
}

export const PACMAN: PackageManager = {
  name: 'pacman',
  sources: '/etc/pacman.conf and /etc/pacman.d/mirrorlist',
  refresh: 'pacman -Sy --noconfirm',
  failure: /^error: .*$/gm,
  // Both exit 1 when a package is missing or nothing is newer: their output is all that tells.
  versions: (packages) => `pacman -Q ${words(packages)} 2>/dev/null; pacman -Qu ${words(packages)} 2>/dev/null; true`,
  parseVersions: parsePacman,
  upgrade: (packages) => `pacman -S --noconfirm --needed ${words(packages)}`,
}

export const APK: PackageManager = {
  name: 'apk',
  sources: '/etc/apk/repositories',
  refresh: 'apk update',
  failure: /^(?:WARNING|ERROR): .*$/gm,
  versions: (packages) => `apk list --installed ${words(packages)}; apk list --upgradable ${words(packages)}`,
  parseVersions: parseApkList,
  upgrade: (packages) => `apk add --upgrade ${words(packages)}`,
}

/** A complaint that names the source it could not fetch: more telling than a summary ("Some index files failed"). */
const FETCH_FAILURE = /Failed to fetch|Failed to download|Curl error|Download \(curl\) error|fetching|failed retrieving/i

/**
 * The line that says why a package manager command failed: its first complaint about a source (a refresh, a
 * download), else the last line it printed. Undefined when it exited 0 without complaining.
 */
export function failureLine(manager: PackageManager, result: {code: number; stdout: string; stderr: string}): string | undefined {
  const complaints = [...`${result.stderr}\n${result.stdout}`.matchAll(manager.failure)].map((match) => match[0].trim())
  if (complaints.length > 0) return complaints.find((line) => FETCH_FAILURE.test(line)) ?? complaints[0]
  if (result.code === 0) return undefined
  return lastLine(result.stderr) || lastLine(result.stdout) || `exit ${result.code}`
}

/**
 * The upstream part of a package version, which is what the engine reports: no epoch (`5:`), no packaging
 * revision (`-1~debian.12~bookworm`, `-1.fc40`, `-r0`). `5:24.0.7-1~debian.12~bookworm` → `24.0.7`,
 * `20.10.24+dfsg1-1+b3` → `20.10.24+dfsg1`.
 */
export function upstreamVersion(version: string): string {
  const withoutEpoch = version.replace(/^\d+:/, '')
  const revision = withoutEpoch.lastIndexOf('-')
  return revision > 0 ? withoutEpoch.slice(0, revision) : withoutEpoch
}
