import {lstat, readFile, readdir} from 'node:fs/promises'
import {join} from 'node:path'
import {removeHostPaths, writeHostFile} from './files.js'
import {canRaiseLimits, hardLimits} from './limits.js'

const ENGINE_PACKAGES = /^(docker\.io|docker-ce|docker-ce-cli|docker-ce-rootless-extras|containerd|containerd\.io|runc)(:[\w-]+)?\.list$/
const ENGINE_PATHS = /\/s?bin\/|^\/etc\/init\.d\/|^\/etc\/default\/docker$|^\/(usr\/)?lib\/systemd\/system\//
const LOCAL_ENGINE_NAMES = /^(docker|dockerd|containerd|runc|ctr)($|-)/

/**
 * Hide the engine the machine has installed (binaries, units, init scripts, /etc/docker) from a host, as on a
 * server where it was never installed. The files stay on the machine; the host's overlay only whites them out.
 */
export async function hideEngine(root: string): Promise<void> {
  const paths = ['/etc/docker']
  const info = join(root, '/var/lib/dpkg/info')
  for (const list of (await readdir(info)).filter((name) => ENGINE_PACKAGES.test(name))) {
    for (const path of (await readFile(join(info, list), 'utf8')).split('\n')) {
      if (ENGINE_PATHS.test(path) && !(await isDirectoryOrMissing(join(root, path)))) paths.push(path)
    }
  }
  for (const dir of ['/usr/local/bin', '/usr/local/sbin']) {
    try {
      paths.push(...(await readdir(join(root, dir))).filter((name) => LOCAL_ENGINE_NAMES.test(name)).map((name) => `${dir}/${name}`))
    } catch {
      // No such directory.
    }
  }
  await removeHostPaths(root, paths)
}

/**
 * Where the engine asks for more open files than the hard limit and the sandbox forbids raising it, lower its
 * asks to that limit: Debian's init script runs `ulimit -n 1048576` under `set -e` and would stop silently,
 * and docker.service / containerd.service would fail to start.
 */
export async function fitEngineToLimits(root: string): Promise<void> {
  if (await canRaiseLimits()) return
  const script = join(root, '/etc/init.d/docker')
  let text: string | undefined
  try {
    text = await readFile(script, 'utf8')
  } catch {
    // No init script (a hidden engine).
  }
  if (text !== undefined) {
    const relaxed = text.replace(/^(\s*)ulimit (-[nup]) (\S+)\s*$/gm, '$1ulimit $2 $3 2>/dev/null || true  # berth test host: no CAP_SYS_RESOURCE')
    await writeHostFile(root, '/etc/init.d/docker', relaxed, 0o755)
  }
  const {files, processes} = await hardLimits()
  for (const unit of ['docker', 'containerd']) {
    await writeHostFile(root, `/etc/systemd/system/${unit}.service.d/00-berth-testhost-limits.conf`,
      `[Service]\n# berth test host: no CAP_SYS_RESOURCE to raise limits\nLimitNOFILE=${files}\nLimitNPROC=${processes}\n`)
  }
}

async function isDirectoryOrMissing(path: string): Promise<boolean> {
  try {
    return (await lstat(path)).isDirectory()
  } catch {
    return true
  }
}
