import {retrying} from '../../src/driver-kit/index.js'
import {AzureCallError, isTransient, normalizeSdkError, oneLine} from './errors.js'

/** What the driver is told while it waits: retries of throttled or failed requests. */
export type Notify = (message: string) => void

// The parts of the SDK's pipeline request and response a retry looks at (@azure/core-rest-pipeline's shapes).
interface Request {
  method: string
  url: string
  abortSignal?: {aborted: boolean; addEventListener(type: 'abort', listener: () => void): void}
}

interface Response {
  status: number
  headers: {get(name: string): string | undefined}
}

/** An answer worth another try, carried out of the attempt so that the last one can still be returned. */
class Transient extends Error {
  constructor(readonly response: Response) {
    super(`HTTP ${response.status}`)
  }
}

interface Policy<Req extends Request, Res extends Response> {
  name: string
  sendRequest(request: Req, next: (request: Req) => Promise<Res>): Promise<Res>
}

/**
 * berth's retries as a pipeline policy, around each HTTP request: throttling (429, with its Retry-After), server
 * errors and network failures are tried again with backoff; after the last try the SDK sees the last answer.
 */
export function retryPolicy<Req extends Request, Res extends Response>(notify: Notify): Policy<Req, Res> {
  // An answer can come back as a response (status only) or be thrown by the SDK's deserializer (RestError).
  const asCallError = (error: unknown): unknown => {
    if (!(error instanceof Transient)) return normalizeSdkError(error)
    const retryAfter = error.response.headers.get('retry-after')
    return new AzureCallError(error.message, error.response.status, undefined, retryAfter === undefined || !Number.isFinite(Number(retryAfter)) ? undefined : Number(retryAfter) * 1000)
  }
  return {
    name: 'berthRetry',
    async sendRequest(request, next) {
      try {
        return await retrying(async () => {
          const response = await next(request)
          if (isTransient(new AzureCallError('', response.status, undefined))) throw new Transient(response)
          return response
        }, {
          signal: asAbortSignal(request.abortSignal),
          attempts: 5,
          isTransient: (error) => isTransient(asCallError(error)),
          retryAfterMs: (error) => {
            const failure = asCallError(error)
            return failure instanceof AzureCallError ? failure.retryAfterMs : undefined
          },
          onRetry: (error, attempt, delayMs) => {
            const failure = asCallError(error)
            const what = failure instanceof AzureCallError && failure.status !== undefined ? `answered ${failure.status}` : `failed (${oneLine(failure instanceof Error ? failure.message : String(failure))})`
            notify(`Azure ${what} to ${request.method} ${new URL(request.url).pathname}; trying again in ${(delayMs / 1000).toFixed(1)} s (attempt ${attempt + 1} of 5).`)
          },
        })
      } catch (error) {
        // The response thrown is the one next() gave for this request.
        if (error instanceof Transient) return error.response as Res
        throw error
      }
    },
  }
}

/** The SDK types the caller's signal loosely; in Node it is the AbortSignal the driver passed. */
function asAbortSignal(like: {aborted: boolean; addEventListener(type: 'abort', listener: () => void): void} | undefined): AbortSignal {
  if (like instanceof AbortSignal) return like
  const controller = new AbortController()
  if (like?.aborted === true) controller.abort()
  else like?.addEventListener('abort', () => controller.abort())
  return controller.signal
}
