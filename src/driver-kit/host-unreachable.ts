import {describeNetworkCode} from '../core/engine/classify-error.js'
import {BerthError, errorMessage} from '../core/errors.js'

/**
 * What a driver whose state is "does the host answer" (generic) throws from state() when it cannot tell: the host
 * refused, has no route or did not answer. Such a host is not known to be stopped, and berth cannot start it, so it
 * is not reported as Stopped: ls shows Error with this reason, and a wait for a state counts it as Error and goes on.
 */
export class HostUnreachableError extends BerthError {
  override readonly name = 'HostUnreachableError'

  constructor(machine: string, host: string, port: number, failure: unknown) {
    const reason = typeof failure === 'string' ? failure : describeNetworkCode((failure as NodeJS.ErrnoException | undefined)?.code) ?? errorMessage(failure)
    super(`The host does not answer on ${host.includes(':') ? `[${host}]` : host}:${port}: ${reason}.`, {code: 'host-unreachable', data: {machine, host, port, reason}, ...(typeof failure === 'string' ? {} : {cause: failure})})
  }
}
