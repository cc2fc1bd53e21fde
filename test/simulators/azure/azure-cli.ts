import {chmod, mkdir, writeFile} from 'node:fs/promises'
import {join} from 'node:path'
import type {AzureSimulator} from './simulator.js'

/**
 * A stand-in for the Azure CLI of a user who ran `az login` against the simulated cloud: `az account
 * get-access-token --resource <the simulator>` prints a token the simulator issued, as the real CLI prints it;
 * anything else fails as a CLI without a login does. Each call is appended to `log`. Put `bin` first on PATH.
 */
export async function writeAzureCli(dir: string, simulator: AzureSimulator): Promise<{bin: string; log: string}> {
  const bin = join(dir, 'az-bin')
  const log = join(dir, 'az.log')
  await mkdir(bin, {recursive: true})
  const {accessToken, expiresOn} = simulator.userToken()
  const answer = JSON.stringify({
    accessToken,
    expiresOn: new Date(expiresOn * 1000).toISOString().replace('T', ' ').replace(/\.\d+Z$/, '.000000'),
    expires_on: expiresOn,
    subscription: simulator.subscriptionId,
    tenant: simulator.principal.tenantId,
    tokenType: 'Bearer',
  })
  await writeFile(join(bin, 'az'), `#!/bin/sh
echo "$*" >> '${log}'
case "$*" in
  "account get-access-token --output json --resource ${simulator.endpoint}"*)
    echo '${answer}'
    ;;
  *)
    echo "ERROR: Please run 'az login' to setup account." >&2
    exit 1
    ;;
esac
`)
  await chmod(join(bin, 'az'), 0o755)
  return {bin, log}
}
