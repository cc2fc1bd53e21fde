import {readdirSync, readFileSync} from 'node:fs'
import {describe, expect, it} from 'vitest'
import {wordError} from '../../../src/cli/error-wording.js'
import {BerthError} from '../../../src/core/errors.js'
import {detectOsFamily, OS_FAMILIES} from '../../../src/core/provision/os-families.js'
import {parseOsRelease} from '../../../src/core/provision/os-release.js'

const FIXTURES = new URL('../../fixtures/os-release/', import.meta.url)
const fixture = (name: string): string => readFileSync(new URL(name, FIXTURES), 'utf8')

describe('parseOsRelease', () => {
  it('reads a distribution\'s file: unquoted, double- and single-quoted values', () => {
    expect(parseOsRelease(fixture('debian-12'))).toEqual({
      PRETTY_NAME: 'Debian GNU/Linux 12 (bookworm)',
      NAME: 'Debian GNU/Linux',
      VERSION_ID: '12',
      VERSION: '12 (bookworm)',
      VERSION_CODENAME: 'bookworm',
      ID: 'debian',
      HOME_URL: 'https://www.debian.org/',
      SUPPORT_URL: 'https://www.debian.org/support',
      BUG_REPORT_URL: 'https://bugs.debian.org/',
    })
    expect(parseOsRelease('ID=\'arch\'\nNAME=\'Arch Linux\'\n')).toEqual({ID: 'arch', NAME: 'Arch Linux'})
  })

  it('undoes the shell escapes allowed in double quotes, and none in single quotes', () => {
    const release = parseOsRelease([
      'PRETTY_NAME="Say \\"hi\\" for \\$5 with \\`cmd\\` and a \\\\ backslash"',
      'LITERAL=\'no \\"escapes\\" here\'',
      'OTHER="a \\n stays"',
    ].join('\n'))
    expect(release.PRETTY_NAME).toBe('Say "hi" for $5 with `cmd` and a \\ backslash')
    expect(release.LITERAL).toBe('no \\"escapes\\" here')
    // Only " $ ` \ are escapable in shell double quotes; any other backslash is kept.
    expect(release.OTHER).toBe('a \\n stays')
  })

  it('skips comments and blank lines, and keeps empty values', () => {
    expect(parseOsRelease(fixture('opensuse-tumbleweed'))).not.toHaveProperty('VERSION')
    expect(parseOsRelease(fixture('opensuse-tumbleweed')).CPE_NAME).toBe('cpe:2.3:o:opensuse:tumbleweed:20240710:*:*:*:*:*:*:*')
    expect(parseOsRelease(fixture('rhel-9')).REDHAT_SUPPORT_PRODUCT_VERSION).toBe('9.4')
    expect(parseOsRelease(fixture('fedora-40')).VERSION_CODENAME).toBe('')
    expect(parseOsRelease('# ID=debian\n\n   \nID=alpine\n')).toEqual({ID: 'alpine'})
  })

  it('tolerates CRLF line ends and surrounding blanks', () => {
    expect(parseOsRelease('ID="ubuntu"\r\nVERSION_ID="24.04"\r\n  ID_LIKE=debian  \r\n')).toEqual({ID: 'ubuntu', VERSION_ID: '24.04', ID_LIKE: 'debian'})
  })

  it('lets a later assignment win, as the shell would', () => {
    expect(parseOsRelease('ID=debian\nID=raspbian\n').ID).toBe('raspbian')
  })

  it('keeps an unbalanced quote as part of the value rather than guessing', () => {
    expect(parseOsRelease('NAME="Broken\nID=alpine').NAME).toBe('"Broken')
  })

  it('finds nothing in an empty file or in something that is not an os-release file', () => {
    expect(parseOsRelease(fixture('empty'))).toEqual({})
    expect(parseOsRelease('')).toEqual({})
    expect(parseOsRelease(fixture('garbage'))).toEqual({})
  })
})

/** Every fixture and the family berth must pick for it; undefined means berth must refuse the system. */
const EXPECTED: Readonly<Record<string, string | undefined>> = {
  'debian-12': 'Debian',
  'ubuntu-22.04': 'Ubuntu',
  'ubuntu-24.04': 'Ubuntu',
  'rhel-9': 'Red Hat Enterprise Linux',
  'centos-stream-9': 'CentOS Stream',
  'rocky-9': 'Rocky Linux',
  'almalinux-9': 'AlmaLinux',
  'fedora-40': 'Fedora',
  'amzn-2023': 'Amazon Linux 2023',
  'amzn-2': undefined,
  'opensuse-leap-15.6': 'openSUSE / SLES',
  'opensuse-tumbleweed': 'openSUSE / SLES',
  'sles-15': 'openSUSE / SLES',
  arch: 'Arch Linux',
  'alpine-3.20': 'Alpine Linux',
  'raspbian-12': 'Debian',
  // An Ubuntu derivative (ID_LIKE="ubuntu debian"): Ubuntu's packages, paths and init, and the official install
  // script supports it (it reads the upstream release with lsb_release -u).
  'linuxmint-21.3': 'Ubuntu',
  empty: undefined,
  garbage: undefined,
}

describe('detectOsFamily', () => {
  it('has an expectation for every fixture', () => {
    expect(readdirSync(FIXTURES).sort()).toEqual(Object.keys(EXPECTED).sort())
  })

  it.each(Object.entries(EXPECTED).filter(([, family]) => family !== undefined))('picks the family for %s: %s', (name, family) => {
    expect(detectOsFamily(parseOsRelease(fixture(name))).name).toBe(family)
  })

  it('matches each fixture with exactly one family (or none), so the order only breaks ties it must', () => {
    for (const [name, family] of Object.entries(EXPECTED)) {
      const matching = OS_FAMILIES.filter((candidate) => candidate.matches(parseOsRelease(fixture(name)))).map((candidate) => candidate.name)
      expect(matching, name).toEqual(family === undefined ? [] : [family])
    }
  })

  it('lists the more specific families first, should a broader one ever match by ID_LIKE', () => {
    const names = OS_FAMILIES.map((family) => family.name)
    const before = (first: string, second: string): void => expect(names.indexOf(first), `${first} before ${second}`).toBeLessThan(names.indexOf(second))
    // Ubuntu and its derivatives say ID_LIKE=debian too; Amazon Linux 2023 says ID_LIKE=fedora.
    before('Ubuntu', 'Debian')
    before('Amazon Linux 2023', 'Fedora')
  })

  it('does not take a distribution for the one it is merely like', () => {
    // Amazon Linux 2 says ID_LIKE="centos rhel fedora" but has yum and an engine of its own: not CentOS.
    expect(() => detectOsFamily(parseOsRelease(fixture('amzn-2')))).toThrow(BerthError)
    // An RHEL rebuild is itself, not Fedora (ID_LIKE mentions fedora).
    expect(detectOsFamily(parseOsRelease(fixture('rocky-9'))).name).toBe('Rocky Linux')
    // A Debian derivative berth has not vetted is not taken for Debian.
    expect(() => detectOsFamily({ID: 'kali', ID_LIKE: 'debian', PRETTY_NAME: 'Kali GNU/Linux Rolling'})).toThrow(/Kali GNU\/Linux Rolling/)
  })

  it.each([
    ['amzn-2', '"Amazon Linux 2"'],
    ['empty', 'an unidentified system (no /etc/os-release)'],
    ['garbage', 'an unidentified system (no /etc/os-release)'],
  ])('refuses %s, naming the system and listing what is supported', (name, system) => {
    let error: unknown
    try {
      detectOsFamily(parseOsRelease(fixture(name)))
    } catch (caught) {
      error = caught
    }
    expect(error).toBeInstanceOf(BerthError)
    const {message, hint} = wordError(error as BerthError)
    expect(message).toBe(`The host runs ${system}, which berth cannot provision.`)
    expect(hint).toBeDefined()
    for (const family of OS_FAMILIES) expect(hint).toContain(family.name)
    expect(hint).toContain('Supported: Ubuntu, Debian, ')
    expect(hint).toContain('berth create -d none')
  })

  it('names a system without PRETTY_NAME by its ID', () => {
    expect(() => detectOsFamily({ID: 'nixos'})).toThrow('The host runs "nixos", which berth cannot provision.')
  })

  it('keeps a value with a carriage return inside, to show it spelled out', () => {
    expect(parseOsRelease('PRETTY_NAME="Evil\r\u001b[2KOS"\r\nID=x\r\n')).toEqual({PRETTY_NAME: 'Evil\r\u001b[2KOS', ID: 'x'})
  })

  it('shows what the host says of itself quoted, cut, with control characters spelled out', () => {
    const release = parseOsRelease(`ID="\u001b[32mevil"\nPRETTY_NAME="\u001b[2J\u001b[HEvil ${'OS'.repeat(100)}"\n`)
    expect(() => detectOsFamily(release)).toThrow(`The host runs "\\x1b[2J\\x1b[HEvil ${'OS'.repeat(34)}…" (212 characters), which berth cannot provision.`)
  })

  it('installs from the distribution\'s packages only where the official script does not serve it', () => {
    const family = (name: string) => detectOsFamily(parseOsRelease(fixture(name)))
    for (const name of ['debian-12', 'ubuntu-24.04', 'linuxmint-21.3', 'fedora-40', 'centos-stream-9', 'rhel-9']) {
      expect(family(name).packageInstall, name).toBeUndefined()
    }
    expect(family('amzn-2023').packageInstall).toMatch(/^dnf /)
    expect(family('opensuse-leap-15.6').packageInstall).toMatch(/^zypper /)
    expect(family('arch').packageInstall).toMatch(/^pacman /)
    expect(family('alpine-3.20').packageInstall).toMatch(/^apk /)
  })

  it('names, for every family, the package manager and the engine\'s packages berth upgrade compares and upgrades', () => {
    const family = (name: string) => detectOsFamily(parseOsRelease(fixture(name)))
    expect(family('debian-12').packages.manager.name).toBe('apt')
    expect(family('ubuntu-24.04').packages.engine).toEqual(['docker-ce', 'docker.io'])
    expect(family('fedora-40').packages.engine).toEqual(['docker-ce', 'moby-engine', 'docker'])
    expect(family('amzn-2023').packages.manager.name).toBe('dnf')
    expect(family('opensuse-leap-15.6').packages.manager.name).toBe('zypper')
    expect(family('arch').packages.manager.name).toBe('pacman')
    expect(family('alpine-3.20').packages.manager.name).toBe('apk')
    for (const candidate of OS_FAMILIES) expect(candidate.packages.engine.length, candidate.name).toBeGreaterThan(0)
  })
})
