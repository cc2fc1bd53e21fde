import type {SshEndpoint} from '../../driver-kit/contract.js'
import {KnownHosts} from './known-hosts.js'
import type {ExecResult} from './session.js'
import {connectWithRetry} from './wait-for-ssh.js'

/** A host just started may take this long before its sshd answers. */
const RUN_ONCE_SSH_TIMEOUT_MS = 60_000

/**
 * One command on a host over a session of its own, closed afterwards: what a driver asks the host itself. The host
 * may still be booting, so refusals are waited on; `knownHostsPath` pins its key as berth's other sessions do.
 */
export async function runOnceOverSsh(request: {endpoint: SshEndpoint; privateKey: Buffer; knownHostsPath: string; command: string; signal: AbortSignal}): Promise<ExecResult> {
  const {endpoint} = request
  const session = await connectWithRetry({
    host: endpoint.host,
    port: endpoint.port,
    user: endpoint.user,
    privateKey: request.privateKey,
    keyPath: endpoint.keyOrigin ?? endpoint.keyPath,
    knownHosts: new KnownHosts(request.knownHostsPath),
    timeoutMs: RUN_ONCE_SSH_TIMEOUT_MS,
    signal: request.signal,
    mayBeBooting: true,
  })
  try {
    return await session.exec(request.command, {signal: request.signal})
  } finally {
    await session.close()
  }
}
