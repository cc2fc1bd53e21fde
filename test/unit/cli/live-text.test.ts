import {describe, expect, it} from 'vitest'
import {LiveText} from '../../../src/cli/live-text.js'
import {screenAfter} from '../../harness/screen.js'

function liveText(columns: number, rows: number): {text: LiveText; written: () => string} {
  let written = ''
  return {text: new LiveText((part) => (written += part), {columns, rows}), written: () => written}
}

describe('LiveText', () => {
  it('draws a text in place of the last one, wider or narrower, and ends on the final text alone', () => {
    const {text, written} = liveText(40, 10)
    text.update('NAME   STATE\nm1     …\nm10    …\n')
    text.update('NAME   STATE     ERRORS\nm1     Running   \nm10    …         \n')
    text.finish('NAME   STATE\nm1     Running\nm10    Stopped\n')
    expect(screenAfter(written(), 40)).toBe('NAME   STATE\nm1     Running\nm10    Stopped')
    expect(written().split('\u001b[3F')).toHaveLength(3)
    const final = written()
    text.update('late\n')
    expect(written()).toBe(final)
  })

  it('counts a line wider than the screen as the lines it wraps onto', () => {
    const {text, written} = liveText(10, 10)
    text.update(`${'x'.repeat(25)}\nshort\n`)
    text.finish('done\n')
    expect(written()).toContain('\u001b[4F')
    expect(screenAfter(written(), 10)).toBe('done')
  })

  it('takes the text off and prints the final one once when it no longer fits on the screen', () => {
    const {text, written} = liveText(40, 3)
    text.update('a\nb\n')
    text.update('a\nb\nc\n')
    text.update('a\nb\nc\nd\n')
    text.finish('a\nb\nc\nd\n')
    expect(written()).toBe('\u001b[Ja\nb\n\u001b[2F\u001b[Ja\nb\nc\nd\n')
  })

  it('never draws a text that does not fit: the final text is printed as a pipe gets it', () => {
    const {text, written} = liveText(40, 2)
    text.update('a\nb\n')
    text.finish('a\nb\n')
    expect(written()).toBe('a\nb\n')
  })
})
