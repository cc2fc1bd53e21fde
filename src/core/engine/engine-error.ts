import {BerthError} from '../errors.js'
import {prose, run, type Prose} from '../fix.js'

/**
 * Why a call to a Docker engine failed, so that callers (ls, env, provisioning) can react per cause:
 * - unreachable: no TCP connection (refused, no route, name not found);
 * - untrusted: the engine's certificate was not issued by the CA we trust (or is expired);
 * - address-mismatch: the certificate is trusted but does not name the host we dialled;
 * - timeout: no complete answer within the deadline;
 * - tls: any other TLS failure, typically the engine refusing our client certificate;
 * - http: the engine answered, but not with a usable /version response.
 */
export type EngineErrorReason = 'unreachable' | 'untrusted' | 'address-mismatch' | 'timeout' | 'tls' | 'http'

/** Hints that fit any machine; callers that know the machine name pass their own (see EngineCallOptions.hints). */
const DEFAULT_ENGINE_HINTS: Readonly<Record<EngineErrorReason, Prose>> = {
  unreachable: 'Check that the machine is running and that its Docker port is open to this computer.',
  untrusted: prose`Run ${run('regenerate-certs')} for this machine to give the engine a certificate from berth's CA.`,
  'address-mismatch': prose`Run ${run('regenerate-certs')} for this machine so that its certificate names the current address.`,
  timeout: 'The host or the network is slow, or a firewall drops the packets; try again with a longer timeout.',
  tls: prose`Run ${run('regenerate-certs')} for this machine so that the engine trusts berth's client certificate.`,
  http: 'Check that the URL points at a Docker engine.',
}

export class EngineError extends BerthError {
  override readonly name = 'EngineError'

  constructor(
    readonly reason: EngineErrorReason,
    readonly url: string,
    message: string,
    options: {hint?: Prose | undefined; cause?: unknown} = {},
  ) {
    super(message, {code: 'engine', hint: options.hint ?? DEFAULT_ENGINE_HINTS[reason], cause: options.cause})
  }
}
