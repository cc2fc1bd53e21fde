/**
 * Runs work for one key at a time, in the order it was asked for: the machines of one command share a gate, so a
 * driver that declares serialOperations (one local hypervisor CLI, say) never sees two calls at once.
 */
export class SerialGate {
  private readonly tails = new Map<string, Promise<unknown>>()

  run<T>(key: string, work: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve()
    // A failure belongs to its own caller; the next in line runs regardless.
    const result = previous.catch(() => undefined).then(work)
    this.tails.set(key, result.catch(() => undefined))
    return result
  }
}
