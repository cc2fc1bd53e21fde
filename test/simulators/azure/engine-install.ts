import {startEngineInstallServer} from '../../harness/engine-install.js'
import type {InstallServer} from '../../harness/install-server.js'
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
    const {server} = await startEngineInstallServer(anchor.gateway)
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
