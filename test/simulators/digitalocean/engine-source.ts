import {readFile} from 'node:fs/promises'
import {InstallServer, type Route} from '../../harness/install-server.js'

/** What this machine's engine packages put where a test host without docker lacks it (as test/hosts/engine.ts hides it). */
async function enginePackageFiles(): Promise<string[]> {
  const files: string[] = []
  for (const name of ['docker.io', 'containerd', 'runc']) {
    for (const path of (await readFile(`/var/lib/dpkg/info/${name}.list`, 'utf8')).split('\n')) {
      if (/\/s?bin\/[^/]+$|^\/etc\/init\.d\/docker$|^\/etc\/default\/docker$|^\/(usr\/)?lib\/systemd\/system\/[^/]+$/.test(path)) files.push(path)
    }
  }
  return files
}

/**
 * Stands in for get.docker.com on a network without Internet: fetches the engine's files from the test's server and
 * unpacks them, as a package would. Where this sandbox forbids raising the open-files limit, the init script's ulimit
 * is relaxed, as the test hosts do for an engine that came with them.
 */
const installScript = (tarballUrl: string): string => `#!/bin/sh
set -e
echo "installing the Docker engine from ${tarballUrl}"
curl -fsS -o /tmp/engine.tar '${tarballUrl}'
tar -C / -xf /tmp/engine.tar
rm -f /tmp/engine.tar
hard=$(ulimit -Hn)
if [ "$hard" != unlimited ] && [ "$hard" -lt 1048576 ]; then
  sed -i 's/^\\([[:space:]]*ulimit -[nup] [^[:space:]]*\\)[[:space:]]*$/\\1 2>\\/dev\\/null || true/' /etc/init.d/docker
fi
if [ -d /run/systemd/system ]; then systemctl daemon-reload; fi
`

/**
 * The engine for droplets (hosts without docker), as --engine-install-url takes it: /install.sh and /engine.tar.
 * It listens on a test host's gateway, an address of this machine that every test host reaches through its own
 * route to the test range, so it serves droplets whose hosts do not exist yet.
 */
export async function startEngineSource(gateway: string): Promise<{installUrl: string; requests: readonly string[]; close(): Promise<void>}> {
  const files = await enginePackageFiles()
  const routes: Record<string, Route> = {'/engine.tar': {command: ['tar', '-C', '/', '-cf', '-', ...files.map((file) => file.slice(1))]}}
  const server = await InstallServer.start(gateway, routes)
  routes['/install.sh'] = {text: installScript(server.url('/engine.tar'))}
  return {installUrl: server.url('/install.sh'), requests: server.requests, close: () => server.close()}
}
