import {startEngineInstallServer} from '../../harness/engine-install.js'

/**
 * The engine for droplets (hosts without docker), as --engine-install-url takes it: /install.sh and /engine.tar.
 * It listens on a test host's gateway, an address of this machine that every test host reaches through its own
 * route to the test range, so it serves droplets whose hosts do not exist yet.
 */
export async function startEngineSource(gateway: string): Promise<{installUrl: string; requests: readonly string[]; close(): Promise<void>}> {
  const {url, server} = await startEngineInstallServer(gateway)
  return {installUrl: url, requests: server.requests, close: () => server.close()}
}
