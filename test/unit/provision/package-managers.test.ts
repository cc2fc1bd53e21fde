import {describe, expect, it} from 'vitest'
import {APK, APT, DNF, failureLine, PACMAN, parseAptPolicy, parseApkList, parsePacman, parseZypper, upstreamVersion, ZYPPER} from '../../../src/core/provision/package-managers.js'

// What berth upgrade reads from each package manager. The apt samples are what apt 2.6 printed on a Debian 12 test
// host; the others follow the formats the tools document.

const APT_ENGINE = ['docker-ce', 'docker.io', 'docker-ce-cli', 'containerd.io']

describe('apt-cache policy', () => {
  it('reads the installed packages and their candidates; a package apt only knows of, or does not know, is skipped', () => {
    const output = [
      'docker-ce:',
      '  Installed: (none)',
      '  Candidate: (none)',
      '  Version table:',
      'docker.io:',
      '  Installed: 20.10.24+dfsg1-1+deb12u1+b6',
      '  Candidate: 20.10.99+dfsg1-1+deb12u1+b6',
      '  Version table:',
      '     20.10.99+dfsg1-1+deb12u1+b6 500',
      '        500 http://10.232.2.1:18765 ./ Packages',
      ' *** 20.10.24+dfsg1-1+deb12u1+b6 100',
      '        100 /var/lib/dpkg/status',
      '',
    ].join('\n')
    expect(parseAptPolicy(output, APT_ENGINE)).toEqual([{name: 'docker.io', installed: '20.10.24+dfsg1-1+deb12u1+b6', candidate: '20.10.99+dfsg1-1+deb12u1+b6'}])
  })

  it('keeps the order asked for, and takes a package no source offers any more as its own candidate', () => {
    const output = [
      'containerd.io:', '  Installed: 1.6.22-1', '  Candidate: (none)', '  Version table:',
      'docker-ce:', '  Installed: 5:24.0.5-1~debian.12~bookworm', '  Candidate: 5:24.0.7-1~debian.12~bookworm', '  Version table:',
    ].join('\n')
    expect(parseAptPolicy(output, APT_ENGINE)).toEqual([
      {name: 'docker-ce', installed: '5:24.0.5-1~debian.12~bookworm', candidate: '5:24.0.7-1~debian.12~bookworm'},
      {name: 'containerd.io', installed: '1.6.22-1', candidate: '1.6.22-1'},
    ])
  })

  it('asks for the packages as shell words and upgrades only them, keeping changed configuration files', () => {
    expect(APT.versions(['docker.io', 'containerd.io'])).toBe('apt-cache policy docker.io containerd.io')
    expect(APT.upgrade(['docker.io'])).toBe('DEBIAN_FRONTEND=noninteractive apt-get install -y --only-upgrade -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold docker.io')
  })
})

describe('the rpm-based managers', () => {
  it('dnf: rpm\'s installed versions and repoquery\'s newer ones, by name', () => {
    const output = 'installed docker-ce 24.0.5-1.fc39\npackage moby-engine is not installed\ninstalled containerd.io 1.6.22-3.1.fc39\n\ncandidate docker-ce 3:24.0.7-1.fc39\n\n'
    expect(DNF.parseVersions(output, ['docker-ce', 'moby-engine', 'containerd.io'])).toEqual([
      {name: 'docker-ce', installed: '24.0.5-1.fc39', candidate: '3:24.0.7-1.fc39'},
      {name: 'containerd.io', installed: '1.6.22-3.1.fc39', candidate: '1.6.22-3.1.fc39'},
    ])
    expect(DNF.versions(['docker'])).toBe('rpm -q --qf \'installed %{NAME} %{VERSION}-%{RELEASE}\\n\' docker; dnf -q -C repoquery --upgrades --latest-limit 1 --qf \'candidate %{name} %{evr}\\n\' docker')
  })

  it('zypper: the row of its updates table that names the package', () => {
    const output = [
      'installed docker 24.0.7_ce-150000.198.2',
      'S | Repository        | Name   | Current Version        | Available Version      | Arch',
      '--+-------------------+--------+------------------------+------------------------+-------',
      'v | Update repository | docker | 24.0.7_ce-150000.198.2 | 25.0.6_ce-150000.207.1 | x86_64',
      'v | Update repository | dockerfile-lint | 1.0-1 | 1.1-1 | noarch',
    ].join('\n')
    expect(parseZypper(output, ['docker'])).toEqual([{name: 'docker', installed: '24.0.7_ce-150000.198.2', candidate: '25.0.6_ce-150000.207.1'}])
    expect(ZYPPER.parseVersions('installed docker 24.0.7_ce-150000.198.2\n', ['docker'])[0]!.candidate).toBe('24.0.7_ce-150000.198.2')
  })
})

describe('pacman and apk', () => {
  it('pacman: -Q gives what is installed, -Qu what is newer', () => {
    expect(parsePacman('docker 1:26.1.4-1\ndocker 1:26.1.4-1 -> 1:27.0.3-1\n', ['docker'])).toEqual([{name: 'docker', installed: '1:26.1.4-1', candidate: '1:27.0.3-1'}])
    expect(PACMAN.parseVersions('docker 1:26.1.4-1\n', ['docker'])).toEqual([{name: 'docker', installed: '1:26.1.4-1', candidate: '1:26.1.4-1'}])
  })

  it('apk: name and version share the first word of apk list; the bracket says which list', () => {
    const output = [
      'docker-engine-26.1.5-r0 x86_64 {docker} (Apache-2.0) [installed]',
      'docker-cli-26.1.5-r0 x86_64 {docker} (Apache-2.0) [installed]',
      'docker-engine-27.3.1-r0 x86_64 {docker} (Apache-2.0) [upgradable from: docker-engine-26.1.5-r0]',
    ].join('\n')
    expect(parseApkList(output, ['docker-engine', 'docker', 'docker-cli'])).toEqual([
      {name: 'docker-engine', installed: '26.1.5-r0', candidate: '27.3.1-r0'},
      {name: 'docker-cli', installed: '26.1.5-r0', candidate: '26.1.5-r0'},
    ])
    expect(APK.upgrade(['docker-engine', 'docker-cli'])).toBe('apk add --upgrade docker-engine docker-cli')
  })
})

describe('failureLine', () => {
  // apt-get update on a host with no route out: it exits 0 and complains on stderr.
  const aptOffline = {
    code: 0,
    stdout: 'Err:1 http://deb.debian.org/debian bookworm InRelease\n  Temporary failure resolving \'deb.debian.org\'\nReading package lists...\n',
    stderr: [
      'W: Failed to fetch http://deb.debian.org/debian/dists/bookworm/InRelease  Temporary failure resolving \'deb.debian.org\'',
      'W: Failed to fetch http://deb.debian.org/debian-security/dists/bookworm-security/InRelease  Temporary failure resolving \'deb.debian.org\'',
      'W: Some index files failed to download. They have been ignored, or old ones used instead.',
      '',
    ].join('\n'),
  }

  it('quotes apt\'s first failed fetch, although apt exited 0', () => {
    expect(failureLine(APT, aptOffline)).toBe('W: Failed to fetch http://deb.debian.org/debian/dists/bookworm/InRelease  Temporary failure resolving \'deb.debian.org\'')
  })

  it('is undefined for a refresh without complaints, though apt printed Err: lines for indexes it then found', () => {
    const fine = {code: 0, stdout: 'Ign:1 http://10.232.2.1:18765 ./ InRelease\nErr:3 http://10.232.2.1:18765 ./ Packages\n  404  File not found\nGet:3 http://10.232.2.1:18765 ./ Packages [8238 B]\n', stderr: ''}
    expect(failureLine(APT, fine)).toBeUndefined()
  })

  it('names an apt error that is not about a source, and a failed download over its summary', () => {
    expect(failureLine(APT, {code: 100, stdout: '', stderr: 'E: Could not get lock /var/lib/apt/lists/lock. It is held by process 812 (apt-get)\n'})).toBe('E: Could not get lock /var/lib/apt/lists/lock. It is held by process 812 (apt-get)')
    expect(failureLine(APT, {code: 100, stdout: '', stderr: 'E: Failed to fetch http://10.232.2.1:1/./docker.io.deb  404  Not Found\nE: Unable to fetch some archives, maybe run apt-get update or try with --fix-missing?\n'})).toBe('E: Failed to fetch http://10.232.2.1:1/./docker.io.deb  404  Not Found')
  })

  it('quotes dnf, pacman and apk about the source they could not reach', () => {
    const dnf = 'Errors during downloading metadata for repository \'fedora\':\n  - Curl error (6): Couldn\'t resolve host name\nError: Failed to download metadata for repo \'fedora\': Cannot download repomd.xml: All mirrors were tried\n'
    expect(failureLine(DNF, {code: 1, stdout: '', stderr: dnf})).toBe('Error: Failed to download metadata for repo \'fedora\': Cannot download repomd.xml: All mirrors were tried')
    const pacman = 'error: failed retrieving file \'core.db\' from geo.mirror.pkgbuild.com : Could not resolve host: geo.mirror.pkgbuild.com\nerror: failed to synchronize all databases (failed to retrieve some files)\n'
    expect(failureLine(PACMAN, {code: 1, stdout: '', stderr: pacman})).toMatch(/^error: failed retrieving file 'core\.db'/)
    expect(failureLine(APK, {code: 1, stdout: 'fetch https://dl-cdn.alpinelinux.org/alpine/v3.20/main/x86_64/APKINDEX.tar.gz\n', stderr: 'WARNING: fetching https://dl-cdn.alpinelinux.org/alpine/v3.20/main: temporary error (try again later)\n'}))
      .toBe('WARNING: fetching https://dl-cdn.alpinelinux.org/alpine/v3.20/main: temporary error (try again later)')
  })

  it('falls back to the last line printed when a command fails without a known complaint', () => {
    expect(failureLine(ZYPPER, {code: 4, stdout: 'Retrieving repository metadata\n', stderr: 'System management is locked by the application with pid 1234 (zypper).\n'})).toBe('System management is locked by the application with pid 1234 (zypper).')
    expect(failureLine(ZYPPER, {code: 4, stdout: '', stderr: ''})).toBe('exit 4')
  })
})

describe('upstreamVersion', () => {
  it('is what the engine reports: no epoch, no packaging revision', () => {
    expect(upstreamVersion('5:24.0.7-1~debian.12~bookworm')).toBe('24.0.7')
    expect(upstreamVersion('20.10.24+dfsg1-1+deb12u1+b6')).toBe('20.10.24+dfsg1')
    expect(upstreamVersion('3:24.0.7-1.fc39')).toBe('24.0.7')
    expect(upstreamVersion('1:26.1.4-1')).toBe('26.1.4')
    expect(upstreamVersion('26.1.5-r0')).toBe('26.1.5')
    expect(upstreamVersion('24.0.7')).toBe('24.0.7')
  })
})
