import {readFile} from 'node:fs/promises'
import {InstallServer, type Route} from '../../harness/install-server.js'
import type {TestHost, TestHostPool} from '../../hosts/index.js'

/**
 * The stand-in for get.docker.com that the simulated VMs install their engine from (the test network has no
 * Internet): /install.sh unpacks the engine files of this computer's packages, served as /engine.tar. It listens on
 * the gateway of a small host of its own, an address every test host routes to, whichever hosts come and go.
 */
export class EngineInstall {
  private constructor(private readonly server: InstallServer, private readonly anchor: TestHost) {}

  static async start(pool: TestHostPool): Promise<EngineInstall> {
    const anchor = await pool.up('az-install', {init: 'sysv'})
    const files = await enginePackageFiles()
    const routes: Record<string, Route> = {'/engine.tar': {command: ['tar', '-C', '/', '-cf', '-', ...files.map((file) => file.slice(1))]}}
    const server = await InstallServer.start(anchor.gateway, routes)
    routes['/install.sh'] = {text: installScript(server.url('/engine.tar'))}
    return new EngineInstall(server, anchor)
  }

  /** --engine-install-url */
  get url(): string {
    return this.server.url('/install.sh')
  }

  get requests(): readonly string[] {
    return this.server.requests
  }

  async close(): Promise<void> {
    await this.server.close()
    await this.anchor.down()
  }
}

/** What the engine packages put where a test host without docker lacks it (as test/hosts/engine.ts hides it). */
async function enginePackageFiles(): Promise<string[]> {
  const files: string[] = []
  for (const name of ['docker.io', 'containerd', 'runc']) {
    for (const path of (await readFile(`/var/lib/dpkg/info/${name}.list`, 'utf8')).split('\n')) {
      if (/\/s?bin\/[^/]+$|^\/etc\/init\.d\/docker$|^\/etc\/default\/docker$|^\/(usr\/)?lib\/systemd\/system\/[^/]+$/.test(path)) files.push(path)
    }
  }
  return files
}

/** Fetches the engine's files and unpacks them, as a package would; where the sandbox forbids a higher open-files limit, the init script's ulimit is relaxed. */
function installScript(tarballUrl: string): string {
  return `#!/bin/sh
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
}
