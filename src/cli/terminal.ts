import {writeSync} from 'node:fs'
import {exitInterrupted} from './interrupt.js'
import {stylingOf, type Styling} from './colour.js'

/** Everything a command's action touches of the outside process: output streams, environment, stdin. */
export interface Terminal {
  /** The result, on stdout. */
  out(text: string): void
  /** Logs, progress and errors, on stderr. */
  err(text: string): void
  readonly env: NodeJS.ProcessEnv
  /** Whether stderr is a terminal (progress is drawn) or a pipe/file (plain lines). */
  readonly interactive: boolean
  /** stdout's terminal size, when stdout is a terminal that reports one (a listing may then be drawn in place). */
  readonly screen?: {columns: number; rows: number} | undefined
  /** Whether progress is redrawn in place and whether there is colour (colour.ts decides). */
  readonly styling: Styling
  /** How wide stderr's terminal is, when it is one: a line redrawn in place must not wrap. */
  readonly columns: number | undefined
  /** Whether stdin is a terminal: someone is there to answer a question, rather than a script or a pipe. */
  readonly canAsk: boolean
  /** The command line as the user typed it, after the program name (Docker Machine repeats it in hints). */
  readonly invocation: readonly string[]
  /** Ask a question on stderr and read one line of stdin ('' at end of input). */
  ask(question: string): Promise<string>
}

export function processTerminal(invocation: readonly string[]): Terminal {
  const out = new DescriptorWriter(1, () => process.stdout)
  const err = new DescriptorWriter(2, () => process.stderr)
  let styling: Styling | undefined
  return {
    out: (text) => out.write(text),
    err: (text) => err.write(text),
    env: process.env,
    get interactive() {
      return process.stderr.isTTY === true
    },
    get screen() {
      // Only then is process.stdout made: its set-up costs the commands that write to a pipe. node:tty is loaded here,
      // not imported: loading it costs `berth env` about 4 ms.
      if (!process.getBuiltinModule('node:tty').isatty(1)) return undefined
      const {columns, rows} = process.stdout
      return columns > 0 && rows > 0 ? {columns, rows} : undefined
    },
    get styling() {
      styling ??= stylingOf(process.env, invocation, process.stderr.isTTY === true)
      return styling
    },
    get columns() {
      return process.stderr.columns
    },
    get canAsk() {
      return process.stdin.isTTY === true
    },
    invocation,
    async ask(question) {
      // Loaded only when berth asks something: the read-only commands never do.
      const {createInterface} = await import('node:readline/promises')
      const reader = createInterface({input: process.stdin, output: process.stderr, terminal: process.stdin.isTTY === true})
      // Ctrl-C at a question (readline takes it from the terminal): nothing has been begun, so berth exits 130 at once.
      reader.once('SIGINT', exitInterrupted)
      try {
        const answer = await Promise.race([reader.question(question), new Promise<string>((resolve) => reader.once('close', () => resolve('')))])
        // A terminal echoes the answer and its newline; from a pipe nothing ends the question's line, so end it here.
        if (process.stdin.isTTY !== true) process.stderr.write('\n')
        return answer.trim()
      } finally {
        reader.close()
      }
    },
  }
}

/**
 * Writes straight to a file descriptor: process.stdout and process.stderr are streams whose set-up costs a
 * command like `berth env` more than its own work. Should the descriptor be non-blocking and full (EAGAIN),
 * the rest, and everything after it, goes through the stream, in order. A reader that went away (EPIPE, as in
 * `berth ls | head -1`) is not an error.
 */
class DescriptorWriter {
  private stream?: NodeJS.WriteStream
  private closed = false

  constructor(private readonly fd: 1 | 2, private readonly open: () => NodeJS.WriteStream) {}

  write(text: string): void {
    if (this.closed) return
    if (this.stream !== undefined) {
      this.stream.write(text)
      return
    }
    const bytes = Buffer.from(text)
    let written = 0
    try {
      while (written < bytes.length) written += writeSync(this.fd, bytes, written)
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code
      if (code === 'EPIPE') {
        this.closed = true
        return
      }
      if (code !== 'EAGAIN') throw error
      this.stream = this.open()
      this.stream.write(bytes.subarray(written))
    }
  }
}
