import {execFile} from 'node:child_process'
import {existsSync} from 'node:fs'
import {mkdir, mkdtemp, readdir, rename, rm, writeFile} from 'node:fs/promises'
import {join} from 'node:path'
import {promisify} from 'node:util'
import {withLock} from '../../src/core/store/lock.js'
import type {TestHost} from '../hosts/index.js'

/**
 * A newer Docker engine than the test machine's (Debian 12's docker.io 20.10) for the tests that need what newer
 * engines have, such as `dockerd --validate` (Docker 23 and later): the dockerd of Debian 13's docker.io (26.1),
 * whose libraries Debian 12 has. It comes from Debian's mirror, so `npm run test:prepare` fetches it (outside the
 * test run, where nothing may leave the machine) into /var/cache/berth-test/engine (BERTH_TEST_ENGINE_CACHE).
 */

const run = promisify(execFile)
const SUITE = 'trixie'

export function engineCacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  return env.BERTH_TEST_ENGINE_CACHE || '/var/cache/berth-test/engine'
}

/** The unpacked package's dockerd, when the cache has it. */
export function newerDockerd(): string | undefined {
  const path = join(engineCacheRoot(), SUITE, 'root', 'usr', 'sbin', 'dockerd')
  return existsSync(path) ? path : undefined
}

/** Download and unpack the engine package once (under a lock); returns its dockerd. */
export async function prepareNewerEngine(log: (line: string) => void = () => undefined): Promise<string> {
  const dir = join(engineCacheRoot(), SUITE)
  await mkdir(engineCacheRoot(), {recursive: true})
  return withLock(`${dir}.lock`, async () => {
    const ready = newerDockerd()
    if (ready !== undefined) return ready
    const work = await mkdtemp(join(engineCacheRoot(), 'download-'))
    try {
      const lists = join(work, 'lists')
      await mkdir(join(lists, 'partial'), {recursive: true})
      await writeFile(join(work, 'sources.list'), `deb http://deb.debian.org/debian ${SUITE} main\n`)
      const apt = ['-o', `Dir::Etc::SourceList=${join(work, 'sources.list')}`, '-o', 'Dir::Etc::SourceParts=/dev/null', '-o', `Dir::State::Lists=${lists}`, '-o', `Dir::Cache=${join(work, 'cache')}`, '-o', 'APT::Sandbox::User=root']
      await run('apt-get', ['-qq', ...apt, 'update'], {maxBuffer: 16 * 1024 * 1024})
      await run('apt-get', ['-qq', ...apt, 'download', 'docker.io'], {cwd: work, maxBuffer: 16 * 1024 * 1024})
      const deb = (await readdir(work)).find((name) => name.endsWith('.deb'))
      if (deb === undefined) throw new Error(`apt-get download docker.io from Debian ${SUITE} left no package`)
      await run('dpkg-deb', ['-x', join(work, deb), join(work, 'root')])
      log(`unpacked ${deb}`)
      await rm(dir, {recursive: true, force: true})
      await mkdir(dir, {recursive: true})
      await rename(join(work, 'root'), join(dir, 'root'))
      return newerDockerd()!
    } finally {
      await rm(work, {recursive: true, force: true})
    }
  }, {timeoutMs: 10 * 60_000})
}

/**
 * Give a test host the newer engine: its dockerd replaces the host's own (in the host's copy-on-write root only),
 * and a running engine is restarted on it. Fails when the cache is empty: run `npm run test:prepare`.
 */
export async function useNewerEngine(host: TestHost): Promise<void> {
  const dockerd = newerDockerd()
  if (dockerd === undefined) throw new Error(`No newer Docker engine in ${engineCacheRoot()}: run "npm run test:prepare" first (it needs Debian's mirror).`)
  const restart = host.init === 'systemd' ? 'systemctl restart docker' : 'service docker stop; service docker start'
  // Renamed over the old one: a running dockerd keeps its binary busy for writing.
  const installed = await host.exec(`cp ${dockerd} /usr/sbin/dockerd.new && mv -f /usr/sbin/dockerd.new /usr/sbin/dockerd && if pidof dockerd >/dev/null; then ${restart}; fi`)
  if (installed.code !== 0) throw new Error(`Installing the newer dockerd on ${host.name} failed: ${installed.stderr.trim()}`)
}
