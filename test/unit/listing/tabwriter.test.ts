import {describe, expect, it} from 'vitest'
import {displayWidth} from '../../../src/core/listing/display-width.js'
import {alignColumns, LS_LAYOUT, renderTable} from '../../../src/core/listing/tabwriter.js'

// Expected strings below were produced by Go's text/tabwriter with Docker Machine's settings.
describe('alignColumns', () => {
  it('uses Docker Machine\'s ls settings: minwidth 5, padding 3', () => {
    expect(LS_LAYOUT).toEqual({minWidth: 5, padding: 3})
    expect(alignColumns('a\tb\n')).toBe('a    b\n')
    expect(alignColumns('abcd\tb\n')).toBe('abcd   b\n')
  })

  it('pads tab-terminated cells, including empty ones, but never the last cell of a line', () => {
    expect(alignColumns('NAME\tSTATE\t\nref\tRunning\t\nbroken\tError\t\n')).toBe('NAME     STATE     \nref      Running   \nbroken   Error     \n')
    expect(alignColumns('NAME\t\tSTATE\nref\t\tRunning\nbroken\t\tError\n')).toBe('NAME          STATE\nref           Running\nbroken        Error\n')
  })

  it('sizes a column by the block of adjacent lines that have it', () => {
    const text = 'NAME\nURL\tSTATE\nref\ntcp://10.231.99.2:2376\tRunning\nbroken\n\tError\n'
    expect(alignColumns(text)).toBe('NAME\nURL   STATE\nref\ntcp://10.231.99.2:2376   Running\nbroken\n     Error\n')
  })

  it('keeps a line without tabs as it is and a text without a final newline unterminated', () => {
    expect(alignColumns('')).toBe('')
    expect(alignColumns('plain line\n')).toBe('plain line\n')
    expect(alignColumns('a\tb')).toBe('a    b')
  })

  it('takes another layout', () => {
    expect(alignColumns('a\tb\nccc\td\n', {minWidth: 0, padding: 1})).toBe('a   b\nccc d\n')
  })

  it('aligns wide and combining characters by terminal columns (Go counts runes)', () => {
    expect(alignColumns('日本\tx\nab\ty\n')).toBe('日本   x\nab     y\n')
    expect(alignColumns('e\u0301\tx\nab\ty\n')).toBe('e\u0301    x\nab   y\n')
  })
})

describe('displayWidth', () => {
  it('counts terminal columns', () => {
    expect(displayWidth('ref')).toBe(3)
    expect(displayWidth('échec')).toBe(5)
    expect(displayWidth('e\u0301')).toBe(1)
    expect(displayWidth('日本語')).toBe(6)
    expect(displayWidth('😀')).toBe(2)
    expect(displayWidth('👩‍💻')).toBe(2)
    expect(displayWidth('a\u200bb')).toBe(2)
    expect(displayWidth('…')).toBe(1)
    expect(displayWidth('soft\u00adhyphen')).toBe(10)
  })
})

describe('renderTable', () => {
  it('lays out rows of cells, ending every line with a newline', () => {
    expect(renderTable([['NAME', 'SOURCE', 'HEALTH'], ['none', 'built-in', 'ok'], ['virtualbox', 'built-in', 'missing']]))
      .toBe('NAME         SOURCE     HEALTH\nnone         built-in   ok\nvirtualbox   built-in   missing\n')
    expect(renderTable([])).toBe('')
  })

  it('keeps a multi-line cell on its row', () => {
    expect(renderTable([['a', 'line one\nline two'], ['bb', 'x\ty']])).toBe('a    line one line two\nbb   x y\n')
  })
})
