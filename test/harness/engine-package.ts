import {execFile} from 'node:child_process'
import {createHash} from 'node:crypto'
import {existsSync} from 'node:fs'
import {chmod, copyFile, lstat, mkdir, mkdtemp, readFile, readlink, rename, rm, stat, symlink, writeFile} from 'node:fs/promises'
import {dirname, join} from 'node:path'
import {promisify} from 'node:util'
import {gzipSync} from 'node:zlib'
import {withLock} from '../../src/core/store/lock.js'
import {InstallServer} from './install-server.js'

const run = promisify(execFile)

/** The package rebuilt, and the one part of it changed besides its version: the version its dockerd reports. */
const PACKAGE = 'docker.io'
const ENGINE_BINARY = '/usr/sbin/dockerd'
const RECIPE_VERSION = 2
/** The package's name in the repository: plain, since apt escapes the + of a Debian version in the URL it asks for. */
const REPOSITORY_FILE = 'docker.io_newer_amd64.deb'

/** A newer engine package for apt, built from this machine's installed one; see newerEnginePackage. */
export interface EnginePackage {
  /** The .deb file. */
  path: string
  /** Its paragraph of an apt Packages index (Filename relative to the repository's root). */
  index: string
  /** The installed package's version, and the rebuilt one's. */
  installedVersion: string
  version: string
  /** What the installed dockerd reports (`docker version`), and what the rebuilt one reports. */
  installedEngine: string
  engine: string
  /** Whether this call built it (false: it came from the cache). */
  built: boolean
}

/**
 * A newer Docker engine for the test hosts' apt, with no Internet: this machine's docker.io rebuilt from its installed
 * files, control data and maintainer scripts (what dpkg-repack does), under a higher version, with its dockerd's
 * embedded version string raised to match (same length, so the binary stays valid), so that an upgraded engine
 * says so over its API. Test hosts are overlays of this machine, so their dpkg sees the installed docker.io as theirs.
 *
 * Cached in /var/cache/berth-test/engine-package/<digest> (BERTH_TEST_PACKAGE_CACHE), the digest covering the installed
 * package's files and control data and this recipe, and built under a lock, so test files that ask at once build it once.
 */
export async function newerEnginePackage(): Promise<EnginePackage> {
  const control = (await run('dpkg-query', ['-s', PACKAGE])).stdout
  const installedVersion = /^Version: (\S+)$/m.exec(control)?.[1]
  if (installedVersion === undefined) throw new Error(`dpkg-query -s ${PACKAGE} names no version`)
  const installedEngine = /^Docker version ([^,\s]+)/.exec((await run(ENGINE_BINARY, ['--version'])).stdout)?.[1]
  if (installedEngine === undefined) throw new Error(`${ENGINE_BINARY} --version names no version`)
  const engine = raisedVersion(installedEngine)
  const version = installedVersion.replace(installedEngine, engine)
  const md5sums = await readFile(`/var/lib/dpkg/info/${PACKAGE}.md5sums`, 'utf8')
  const digest = createHash('sha256').update(JSON.stringify({RECIPE_VERSION, control, md5sums, version, engine})).digest('hex').slice(0, 16)
  const dir = join(process.env.BERTH_TEST_PACKAGE_CACHE || '/var/cache/berth-test/engine-package', digest)
  const file = `${PACKAGE}_${version.replace(/^\d+:/, '')}_amd64.deb`
  await mkdir(dir, {recursive: true})
  return withLock(join(dir, '.lock'), async () => {
    let built = false
    if (!existsSync(join(dir, file)) || !existsSync(join(dir, 'index'))) {
      await build(dir, file, control, installedEngine, engine, version)
      built = true
    }
    return {path: join(dir, file), index: await readFile(join(dir, 'index'), 'utf8'), installedVersion, version, installedEngine, engine, built}
  }, {timeoutMs: 10 * 60_000})
}

/** The same version with its patch number raised to all nines, keeping its length: 20.10.24+dfsg1 → 20.10.99+dfsg1. */
function raisedVersion(version: string): string {
  const match = /^(\d+\.\d+\.)(\d+)(.*)$/.exec(version)
  if (match === null || /^9+$/.test(match[2]!)) throw new Error(`cannot raise the engine version ${version} without changing its length`)
  return `${match[1]}${'9'.repeat(match[2]!.length)}${match[3]}`
}

async function build(dir: string, file: string, control: string, installedEngine: string, engine: string, version: string): Promise<void> {
  const work = await mkdtemp(join(dir, 'build-'))
  try {
    const root = join(work, 'root')
    for (const path of (await readFile(`/var/lib/dpkg/info/${PACKAGE}.list`, 'utf8')).split('\n')) {
      if (path === '' || path === '/.') continue
      const target = join(root, path)
      // A directory of the package may be a symlink here (merged /usr: /lib → usr/lib); the package ships a directory.
      if ((await stat(path).catch(() => undefined))?.isDirectory()) {
        await mkdir(target, {recursive: true})
        continue
      }
      await mkdir(dirname(target), {recursive: true})
      const info = await lstat(path)
      if (info.isSymbolicLink()) await symlink(await readlink(path), target)
      else {
        await copyFile(path, target)
        await chmod(target, info.mode & 0o7777)
      }
    }
    const binary = join(root, ENGINE_BINARY)
    const original = await readFile(binary)
    await writeFile(binary, Buffer.from(original.toString('latin1').replaceAll(installedEngine, engine), 'latin1'))
    const debian = join(root, 'DEBIAN')
    await mkdir(debian)
    await writeFile(join(debian, 'control'), packageControl(control, version))
    for (const name of ['preinst', 'postinst', 'prerm', 'postrm', 'conffiles']) {
      const source = `/var/lib/dpkg/info/${PACKAGE}.${name}`
      if (!existsSync(source)) continue
      await copyFile(source, join(debian, name))
      await chmod(join(debian, name), name === 'conffiles' ? 0o644 : 0o755)
    }
    const deb = join(work, file)
    // gzip at its fastest: the package is built once and only travels over a local link.
    await run('dpkg-deb', ['--root-owner-group', '-Zgzip', '-z1', '--build', root, deb], {maxBuffer: 16 * 1024 * 1024})
    const fields = (await run('dpkg-deb', ['--field', deb])).stdout.trimEnd()
    const content = await readFile(deb)
    const hash = (algorithm: string): string => createHash(algorithm).update(content).digest('hex')
    const index = `${fields}\nFilename: ./${REPOSITORY_FILE}\nSize: ${content.length}\nMD5sum: ${hash('md5')}\nSHA256: ${hash('sha256')}\n`
    await rename(deb, join(dir, file))
    await writeFile(join(dir, 'Packages.gz'), gzipSync(index))
    // Written last: an index marks a whole package.
    await writeFile(join(dir, 'index'), index)
  } finally {
    await rm(work, {recursive: true, force: true})
  }
}

/** dpkg's status paragraph as a package's control file: without the fields only dpkg's database has, at the new version. */
function packageControl(status: string, version: string): string {
  const kept: string[] = []
  let skipping = false
  for (const line of status.trimEnd().split('\n')) {
    if (/^\s/.test(line)) {
      if (!skipping) kept.push(line)
      continue
    }
    skipping = /^(Status|Conffiles|Config-Version):/.test(line)
    if (!skipping) kept.push(line.startsWith('Version:') ? `Version: ${version}` : line)
  }
  return `${kept.join('\n')}\n`
}

/**
 * A flat apt repository serving one package over HTTP from an address test hosts reach (a host's gateway), for the
 * sources line it returns (`deb [trusted=yes] URL ./`).
 */
export async function startPackageRepository(address: string, entry: EnginePackage): Promise<{sourcesLine: string; server: InstallServer}> {
  const server = await InstallServer.start(address, {
    '/Packages': {text: entry.index},
    // apt asks for a compressed index first; serving one spares a failed request in its output.
    '/Packages.gz': {command: ['cat', join(dirname(entry.path), 'Packages.gz')]},
    [`/${REPOSITORY_FILE}`]: {command: ['cat', entry.path]},
  })
  return {sourcesLine: `deb [trusted=yes] ${server.url('/')} ./`, server}
}
