import {createInterface} from 'node:readline/promises'

/** Everything a command's action touches of the outside process: output streams, environment, stdin. */
export interface Terminal {
  /** The result, on stdout. */
  out(text: string): void
  /** Logs, progress and errors, on stderr. */
  err(text: string): void
  readonly env: NodeJS.ProcessEnv
  /** Whether stderr is a terminal (progress is drawn) or a pipe/file (plain lines). */
  readonly interactive: boolean
  /** The command line as the user typed it, after the program name (Docker Machine repeats it in hints). */
  readonly invocation: readonly string[]
  /** Ask a question on stderr and read one line of stdin ('' at end of input). */
  ask(question: string): Promise<string>
}

export function processTerminal(invocation: readonly string[]): Terminal {
  return {
    out: (text) => process.stdout.write(text),
    err: (text) => process.stderr.write(text),
    env: process.env,
    interactive: process.stderr.isTTY === true,
    invocation,
    async ask(question) {
      const reader = createInterface({input: process.stdin, output: process.stderr, terminal: process.stdin.isTTY === true})
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
