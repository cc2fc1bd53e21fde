/** One deadline for the waits of an operation (--timeout): each wait gets what is left of it. */
export class Deadline {
  private readonly at: number

  constructor(readonly totalMs: number) {
    this.at = Date.now() + totalMs
  }

  /** What is left, but at least a second, so that a wait that starts late still gets one honest try. */
  remainingMs(): number {
    return Math.max(1000, this.at - Date.now())
  }
}
