import {ArmError} from './http.js'

/** A failure to inject into calls of one operation ("virtualMachines.createOrUpdate", "identity.token", ...). */
export interface Injection {
  operation: string
  /** HTTP status of the error answer (default 500). */
  status?: number
  /** ARM error code (default: the usual one for the status). */
  code?: string
  message?: string
  /** Sent as Retry-After (throttling). */
  retryAfterSeconds?: number
  /** How many calls fail (default 1). */
  times?: number
  /** Let this many matching calls pass first: "fail the Nth call" is skip N-1. */
  skip?: number
  /**
   * Accept the request and fail the long-running operation it starts, as Azure does for allocation failures:
   * the resource exists, in provisioning state Failed.
   */
  asynchronous?: boolean
}

const DEFAULT_CODES: Record<number, [string, string]> = {
  409: ['Conflict', 'The request conflicts with the current state of the resource.'],
  429: ['TooManyRequests', 'The request is being throttled as the limit has been reached for operation type - Write_ObservationWindow_00:01:00. For more information, see - https://aka.ms/armthrottling'],
  500: ['InternalServerError', 'Encountered internal server error. Diagnostic information: timestamp \'20261129T120000Z\'.'],
  503: ['ServiceUnavailable', 'The service is temporarily unavailable. Please try again later.'],
}

/** The injections still armed; each call asks whether it is hit. */
export class Failures {
  private readonly armed: (Injection & {left: number; toSkip: number})[] = []

  add(injection: Injection): void {
    this.armed.push({...injection, left: injection.times ?? 1, toSkip: injection.skip ?? 0})
  }

  /** The failure this call of `operation` gets, if an injection is armed for it. */
  hit(operation: string): {error: ArmError; asynchronous: boolean} | undefined {
    const injection = this.armed.find((candidate) => candidate.operation === operation && candidate.left > 0)
    if (injection === undefined) return undefined
    if (injection.toSkip > 0) {
      injection.toSkip--
      return undefined
    }
    injection.left--
    const status = injection.status ?? 500
    const [code, message] = DEFAULT_CODES[status] ?? ['InternalServerError', 'An internal error occurred.']
    const error = new ArmError(status, injection.code ?? code, injection.message ?? message,
      injection.retryAfterSeconds === undefined ? {} : {retryAfterSeconds: injection.retryAfterSeconds})
    return {error, asynchronous: injection.asynchronous === true}
  }

  /** Injections that never fired: a test that armed one expects its calls to happen. */
  get unfired(): Injection[] {
    return this.armed.filter((injection) => injection.left > 0)
  }
}
