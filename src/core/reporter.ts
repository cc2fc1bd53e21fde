import type {Prose} from './fix.js'

/**
 * How the core tells the user what it is doing. The core never prints: a command passes a reporter that
 * draws steps on a terminal, writes plain lines to a log, or collects events for --json.
 */
export interface Reporter {
  /** Run one named step of a longer piece of work, reporting its start, end and elapsed time. */
  step<T>(title: string, work: () => Promise<T>): Promise<T>
  info(message: Prose): void
  /** Work that advances by amounts (a download): `done` of `total` units (bytes), total undefined when unknown. */
  meter(label: string, done: number, total: number | undefined): void
  warn(message: Prose): void
  /**
   * What the running step waits on now, such as the cause of its last failed try: redrawn in place on a terminal (and
   * cleared by the next line), written as a line in a log only when it changes.
   */
  status(message: string): void
  /** Shown only with --debug. Never pass secrets. */
  debug(message: string): void
}

/** For callers that want no output at all. */
export const silentReporter: Reporter = {
  step: (_title, work) => work(),
  info: () => {},
  meter: () => {},
  warn: () => {},
  status: () => {},
  debug: () => {},
}
