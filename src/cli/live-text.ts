import {displayWidth} from '../core/listing/display-width.js'

/** Cursor to the start of the line `count` lines up; clear from the cursor to the end of the screen. */
const up = (count: number): string => `\u001b[${count}F`
const CLEAR_BELOW = '\u001b[J'

/**
 * A small text (ls's table) shown on a terminal at once and drawn again in place as it changes: the cursor goes back
 * to the text's first line, clears the screen below and writes the new text, whose width may differ. Only a text
 * that fits on the screen is drawn so (the cursor cannot go back up to a line that scrolled off): one that does not
 * fit, at first or as it grows, is taken off and left to `finish`, which prints the final text once, as a pipe gets it.
 */
export class LiveText {
  /** The text drawn last, and the screen lines it takes. */
  private drawn = ''
  private drawnLines = 0
  private live = true

  /** `show` dresses the text as it is written (colours): the lines it takes are counted on the text itself. */
  constructor(private readonly write: (text: string) => void, private readonly screen: {columns: number; rows: number}, private readonly show: (text: string) => string = (text) => text) {}

  /** Show text in place of the last one, or stop drawing (taking the last one off) when it would not fit. */
  update(text: string): void {
    if (!this.live) return
    if (this.fits(text)) return this.redraw(text)
    this.redraw('')
    this.live = false
  }

  /** Show the final text: in place while drawing, else printed after whatever is on the screen. Later updates are ignored. */
  finish(text: string): void {
    const inPlace = this.live && this.fits(text)
    this.live = false
    if (inPlace) return this.redraw(text)
    this.redraw('')
    this.write(this.show(text))
  }

  private redraw(text: string): void {
    if (text === this.drawn) return
    this.write(`${this.drawnLines > 0 ? up(this.drawnLines) : ''}${CLEAR_BELOW}${this.show(text)}`)
    this.drawn = text
    this.drawnLines = this.linesOf(text)
  }

  /** Below the text stays the cursor's line: the text must leave it on the screen. */
  private fits(text: string): boolean {
    return this.linesOf(text) < this.screen.rows
  }

  /** Screen lines of text ending in a newline: a line wider than the screen wraps onto more. */
  private linesOf(text: string): number {
    if (text === '') return 0
    return text.replace(/\n$/, '').split('\n').reduce((sum, line) => sum + Math.max(1, Math.ceil(displayWidth(line) / this.screen.columns)), 0)
  }
}
