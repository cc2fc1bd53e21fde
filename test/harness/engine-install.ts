import {readFile} from 'node:fs/promises'
import {InstallServer, type Route} from './install-server.js'

/**
 * What get.docker.com is to a fresh server, on a test network without Internet: /install.sh fetches this machine's
 * engine files (the ones test hosts started withoutDocker lack) as /engine.tar and unpacks them, as a package would.
 * Listen on an address every test host reaches (a host's gateway); pass `url` to berth as --engine-install-url.
 */
export async function startEngineInstallServer(address: string): Promise<{url: string; server: InstallServer}> {
  const files = await enginePackageFiles()
  const routes: Record<string, Route> = {'/engine.tar': {command: ['tar', '-C', '/', '-cf', '-', ...files.map((file) => file.slice(1))]}}
  const server = await InstallServer.start(address, routes)
  routes['/install.sh'] = {text: installScript(server.url('/engine.tar'))}
  return {url: server.url('/install.sh'), server}
}

/** The engine's binaries, units and init scripts from the machine's own packages (what test/hosts/engine.ts hides). */
export async function enginePackageFiles(): Promise<string[]> {
  const files: string[] = []
  for (const name of ['docker.io', 'containerd', 'runc']) {
    for (const path of (await readFile(`/var/lib/dpkg/info/${name}.list`, 'utf8')).split('\n')) {
      if (/\/s?bin\/[^/]+$|^\/etc\/init\.d\/docker$|^\/etc\/default\/docker$|^\/(usr\/)?lib\/systemd\/system\/[^/]+$/.test(path)) files.push(path)
    }
  }
  return files
}

/** Where the sandbox forbids raising the open-files limit, the init script's ulimit is relaxed, as test hosts do. */
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
