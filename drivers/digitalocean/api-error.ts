/** A failed DigitalOcean API request: what berth was doing, and what the API (or the network) said. */
export class DigitalOceanApiError extends Error {
  override readonly name = 'DigitalOceanApiError'
  /** What berth was doing, e.g. "creating droplet m1". */
  readonly what: string
  /** The HTTP status; undefined when no answer came. */
  readonly status: number | undefined
  /** The API's error id: unauthorized, not_found, unprocessable_entity, too_many_requests, ... */
  readonly id: string | undefined
  readonly apiMessage: string | undefined
  /** The network error code (ECONNREFUSED, ECONNABORTED, ...) when no answer came. */
  readonly network: string | undefined
  /** How long the API asked to wait before the next request (429). */
  readonly retryAfterMs: number | undefined
  /** When the hourly rate limit frees a request again. */
  readonly resetsAt: Date | undefined

  constructor(what: string, details: {status?: number; id?: string; apiMessage?: string; network?: string; retryAfterMs?: number; resetsAt?: Date}) {
    super(`${what}: ${details.status === undefined ? `no answer (${details.network ?? 'unknown error'})` : `${details.status} ${details.apiMessage ?? ''}`.trim()}`)
    this.what = what
    this.status = details.status
    this.id = details.id
    this.apiMessage = details.apiMessage
    this.network = details.network
    this.retryAfterMs = details.retryAfterMs
    this.resetsAt = details.resetsAt
  }

  /** Whether the request may have been carried out although it failed (a 5xx, a cut connection, a timeout). */
  get ambiguous(): boolean {
    return (this.status !== undefined && this.status >= 500) || (this.network !== undefined && this.network !== 'ECONNREFUSED')
  }
}
