export interface Settle<T> {
  ok(value: T): void
  fail(error: Error): void
}

interface GuardedWork {
  /** Destroy every socket the work opened; called once, on failure, timeout or abort. */
  destroy(): void
  /** The error to report when the deadline passes (it can describe how far the work got). */
  timeoutError(): Error
}

/**
 * Run callback-style network work under one overall deadline and an optional abort signal, so that no
 * failure path can leave a socket open or a promise pending. The first outcome wins; later ones are ignored.
 */
export function guarded<T>(limits: {timeoutMs: number; signal?: AbortSignal | undefined}, start: (settle: Settle<T>) => GuardedWork): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const {signal} = limits
    if (signal?.aborted) {
      reject(abortReason(signal))
      return
    }
    let settled = false
    let work: GuardedWork | undefined
    let destroyPending = false
    const finish = (report: () => void, destroy: boolean): void => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      signal?.removeEventListener('abort', onAbort)
      if (destroy) {
        if (work) work.destroy()
        else destroyPending = true
      }
      report()
    }
    const settle: Settle<T> = {
      ok: (value) => finish(() => resolve(value), false),
      fail: (error) => finish(() => reject(error), true),
    }
    const onAbort = (): void => settle.fail(signal ? abortReason(signal) : new Error('aborted'))
    const timer = setTimeout(() => settle.fail(work ? work.timeoutError() : new Error('timed out')), limits.timeoutMs)
    signal?.addEventListener('abort', onAbort, {once: true})
    try {
      work = start(settle)
    } catch (error) {
      settle.fail(error instanceof Error ? error : new Error(String(error)))
      return
    }
    if (destroyPending) work.destroy()
  })
}

/** The caller's abort reason as is (a DOMException AbortError unless they gave their own Error). */
function abortReason(signal: AbortSignal): Error {
  const reason: unknown = signal.reason
  return reason instanceof Error ? reason : new Error(`aborted: ${String(reason)}`, {cause: reason})
}
