import type {Reporter} from '../core/reporter.js'
import {cutText} from '../core/safe-text.js'
import {painter, type Paint} from './colour.js'
import {spellProse} from './error-wording.js'
import type {Personality} from './personality.js'
import {debugLine, lineReporter, meterText, safe, seconds, warningLine} from './progress.js'
import type {Terminal} from './terminal.js'

/**
 * The reporter of a terminal (colour.ts decides when stderr is one to draw on; otherwise lineReporter's lines). Each
 * running step is one line redrawn in place, a spinner and its running time, that ends as ✔ or ✘ with its time;
 * under the latest step, dimmed, what it waits on or the latest line of the remote script it runs; a download's bar.
 * Anything else (info, warnings, debug, a step's end) is written above those lines, which are drawn again below it.
 *
 * berth's own code rather than a library: the five styles it uses are fixed ANSI codes (colour.ts), and a spinner is
 * a timer that redraws a few lines; ora and listr2 would add 13 to 42 ms to create's start-up (and are not
 * installed) for the same. Imported only by base-command.ts, which loads oclif: never on the lean path.
 */
export function liveReporter(terminal: Terminal, debug: boolean, personality: Personality): Reporter {
  if (!terminal.styling.live) return lineReporter(terminal, debug, personality)
  const block = new LiveBlock(terminal, painter(terminal.styling.colour))
  const meters = new Map<string, string>()
  return {
    async step(title, work) {
      const running = block.begin(safe(title))
      try {
        const result = await work()
        block.end(running, true)
        return result
      } catch (error) {
        block.end(running, false)
        throw error
      }
    },
    info: (message) => block.print(safe(spellProse(message, personality))),
    meter(label, done, total) {
      // Drawn again only when what it shows changes: a download reports every chunk.
      const shown = safe(meterText(label, done, total, true))
      if (meters.get(label) === shown) return
      meters.set(label, shown)
      if (total !== undefined && done >= total) block.print(shown)
      else block.detail(shown, false)
    },
    warn: (message) => block.print(warningLine(message, personality, block.paint)),
    status: (message) => block.detail(safe(message), true),
    debug: (message) => {
      if (debug) block.print(debugLine(message))
    },
  }
}

const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏']
const FRAME_MS = 80

interface RunningStep {
  title: string
  start: number
}

/**
 * The lines at the bottom of the terminal that are redrawn: one per running step (several run at once for
 * `stop a b`), then the detail line. The cursor stays at the end of the last of them, so erasing is going back up
 * to the first and clearing to the end of the screen. No line may wrap (the count of lines to go back up would be
 * wrong), so each is cut to the terminal's width.
 */
class LiveBlock {
  private readonly running: RunningStep[] = []
  private shownDetail: string | undefined
  private drawnLines = 0
  private frame = 0
  private timer: NodeJS.Timeout | undefined

  constructor(private readonly terminal: Terminal, readonly paint: Paint) {}

  begin(title: string): RunningStep {
    const step = {title, start: performance.now()}
    this.running.push(step)
    this.shownDetail = undefined
    if (this.timer === undefined) {
      // Unref'd: a spinner never keeps berth running.
      this.timer = setInterval(() => this.tick(), FRAME_MS).unref()
    }
    this.redraw()
    return step
  }

  end(step: RunningStep, succeeded: boolean): void {
    this.running.splice(this.running.indexOf(step), 1)
    this.shownDetail = undefined
    if (this.running.length === 0) {
      clearInterval(this.timer)
      this.timer = undefined
    }
    const mark = succeeded ? this.paint('green', '✔') : this.paint('red', '✘')
    this.print(`${mark} ${step.title} ${this.paint('dim', `(${seconds(step.start)})`)}`)
  }

  /** The detail line under the running steps: dimmed when it is a status, as it is when it is a bar. */
  detail(text: string, dimmed: boolean): void {
    const cut = cutText(text, this.width() - 3)
    this.shownDetail = `  ${dimmed ? this.paint('dim', cut) : cut}`
    this.redraw()
  }

  /** A line that stays, written above the redrawn ones; a line written ends what the detail showed. */
  print(text: string): void {
    this.shownDetail = undefined
    this.terminal.err(`${this.erase()}${text}\n${this.render()}`)
  }

  private tick(): void {
    this.frame = (this.frame + 1) % SPINNER.length
    this.redraw()
  }

  private redraw(): void {
    this.terminal.err(`${this.erase()}${this.render()}`)
  }

  private erase(): string {
    if (this.drawnLines === 0) return ''
    return `\r${this.drawnLines > 1 ? `\u001b[${this.drawnLines - 1}A` : ''}\u001b[J`
  }

  /** The redrawn lines, without a final line break; counts them as drawn. */
  private render(): string {
    const spinner = this.paint('bold', SPINNER[this.frame]!)
    // The spinner, a space, the title (cut, its "…" included), a space, "(999.9s)": the title gets what is left.
    const lines = this.running.map((step) => `${spinner} ${cutText(step.title, this.width() - 12)} ${this.paint('dim', `(${seconds(step.start)})`)}`)
    if (this.shownDetail !== undefined) lines.push(this.shownDetail)
    this.drawnLines = lines.length
    return lines.join('\n')
  }

  private width(): number {
    // A terminal that gives no size (0, as under script(1) without one) counts as 80 columns.
    return Math.max((this.terminal.columns || 80) - 1, 20)
  }
}
