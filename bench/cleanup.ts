/**
 * Bench tool: everything the bench starts or makes is registered here and undone in reverse order, on success,
 * on failure and on SIGINT/SIGTERM. Should the process exit without running it, an exit hook still kills the
 * registered processes and removes the registered directories synchronously.
 */
import {rmSync} from 'node:fs'
import {rm} from 'node:fs/promises'

type Step = () => Promise<void>

export class Cleanup {
  readonly #steps: Step[] = []
  readonly #pids = new Set<number>()
  /** Processes that end by themselves (hyperfine): signalled only if still running at cleanup. */
  readonly #transient = new Set<number>()
  readonly #dirs = new Set<string>()
  #running: Promise<void> | undefined

  constructor() {
    process.once('exit', () => {
      for (const pid of this.#pids) {
        try {
          process.kill(this.#transient.has(pid) ? -pid : pid, 'SIGKILL')
        } catch {
          // Already gone.
        }
      }
      for (const dir of this.#dirs) rmSync(dir, {recursive: true, force: true})
    })
  }

  /** Something of the bench's own process to undo at the end (a server it runs). */
  addStep(step: () => Promise<void>): void {
    this.#steps.push(step)
  }

  /** A directory removed at the end. */
  addDir(dir: string): void {
    this.#dirs.add(dir)
    this.#steps.push(async () => {
      await rm(dir, {recursive: true, force: true})
      this.#dirs.delete(dir)
    })
  }

  /** A process stopped at the end by stop(), or killed by its pid if the bench exits first. */
  addProcess(pid: number, stop: () => Promise<void>): void {
    this.#pids.add(pid)
    this.#steps.push(async () => {
      await stop()
      this.#pids.delete(pid)
    })
  }

  /**
   * A process group (a detached child and what it runs) that ends by itself; the returned function forgets it
   * once it has, so a recycled pid is never signalled.
   */
  trackProcess(pid: number): () => void {
    this.#pids.add(pid)
    this.#transient.add(pid)
    return () => {
      this.#pids.delete(pid)
      this.#transient.delete(pid)
    }
  }

  /** Undo everything, last first; errors are reported and do not stop the other steps. */
  run(): Promise<void> {
    this.#running ??= (async () => {
      for (const pid of this.#transient) {
        try {
          process.kill(-pid, 'SIGTERM')
        } catch {
          // Already gone.
        }
      }
      for (const step of this.#steps.reverse()) {
        try {
          await step()
        } catch (error) {
          process.stderr.write(`bench cleanup: ${error instanceof Error ? error.message : String(error)}\n`)
        }
      }
    })()
    return this.#running
  }
}
