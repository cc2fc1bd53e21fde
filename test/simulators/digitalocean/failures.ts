/** An answer the simulator gives instead of (or, with `after`, in place of the answer to) a request. */
export interface FailureAnswer {
  status: number
  /** DigitalOcean's error id: too_many_requests, server_error, unprocessable_entity, ... */
  id: string
  message: string
  /** Headers computed when the answer is sent (a rate limit's reset lies in the future from then). */
  headers?: () => Record<string, string>
}

export interface FailureRule {
  /** "METHOD /v2/path" with :id for path parameters, as in DigitalOceanSimulator.calls: "POST /v2/droplets". */
  route: string
  /** Which matching call fails, counted from when the rule is added: 1 is the next one. */
  nth?: number
  /** How many matching calls in a row fail from the nth on (default 1; Infinity for all). */
  times?: number
  /** Carry the request out, then answer with the failure: a 5xx or a cut answer whose work was done. */
  after?: boolean
  answer: FailureAnswer
}

/** A 429 as DigitalOcean sends it when the hourly limit is spent: the reset lies resetInSeconds ahead. */
export function throttled(resetInSeconds = 1, options: {retryAfter?: boolean} = {}): FailureAnswer {
  return {
    status: 429,
    id: 'too_many_requests',
    message: 'API Rate limit exceeded.',
    headers: () => ({
      'ratelimit-limit': '5000',
      'ratelimit-remaining': '0',
      'ratelimit-reset': String(Math.ceil(Date.now() / 1000 + resetInSeconds)),
      ...(options.retryAfter === true ? {'retry-after': String(resetInSeconds)} : {}),
    }),
  }
}

export function serverError(status = 500): FailureAnswer {
  return status === 503
    ? {status, id: 'service_unavailable', message: 'Service Unavailable'}
    : {status, id: 'server_error', message: 'Server Error'}
}

/** DigitalOcean's answer when a region has no room for a size. */
export const capacity: FailureAnswer = {status: 422, id: 'unprocessable_entity', message: 'Size is not available in this region.'}

export const forbidden: FailureAnswer = {status: 403, id: 'forbidden', message: 'You do not have access for the attempted action.'}

/** The rules in force, and which call of a route each has reached. */
export class FailureRules {
  private readonly rules: {rule: FailureRule; seen: number}[] = []

  add(rule: FailureRule): void {
    this.rules.push({rule, seen: 0})
  }

  /** The failure for this call of the route, if a rule says so (every rule for the route counts the call). */
  match(route: string): FailureRule | undefined {
    let hit: FailureRule | undefined
    for (const entry of this.rules) {
      if (entry.rule.route !== route) continue
      entry.seen++
      const first = entry.rule.nth ?? 1
      if (hit === undefined && entry.seen >= first && entry.seen < first + (entry.rule.times ?? 1)) hit = entry.rule
    }
    return hit
  }

  clear(): void {
    this.rules.length = 0
  }
}
