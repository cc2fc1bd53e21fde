import {describe, expect, it} from 'vitest'
import {cutText, escapeControls, escapeControlsKeepingLines, quoteValue, redactUrlPasswords} from '../../src/core/safe-text.js'

describe('escapeControls', () => {
  it('spells out C0, DEL and C1 controls, so an ANSI escape shows as text and changes nothing on the terminal', () => {
    expect(escapeControls('\u001b[31mred\u001b[0m')).toBe('\\x1b[31mred\\x1b[0m')
    expect(escapeControls('a\nb\rc\td')).toBe('a\\nb\\rc\\td')
    expect(escapeControls('\u0000\u0007\u007f\u0085\u009b2J')).toBe('\\x00\\x07\\x7f\\x85\\x9b2J')
  })

  it('spells out bidirectional overrides and line separators, which show text other than it is', () => {
    expect(escapeControls('abc\u202edcba\u2066x\u2069\u2028')).toBe('abc\\u202edcba\\u2066x\\u2069\\u2028')
  })

  it('leaves printable text alone, whatever its script', () => {
    const text = 'Debian GNU/Linux 12 (bookworm) — héllo 東京 🚀 "quoted" \\ back'
    expect(escapeControls(text)).toBe(text)
    expect(escapeControls(escapeControls('\u001b'))).toBe('\\x1b')
  })

  it('can keep line breaks for text that spans lines on purpose', () => {
    expect(escapeControlsKeepingLines('line 1\u001b[2K\nline 2\r')).toBe('line 1\\x1b[2K\nline 2\\r')
  })
})

describe('cutText', () => {
  it('cuts after the limit with an ellipsis, never inside a surrogate pair', () => {
    expect(cutText('abcdef', 6)).toBe('abcdef')
    expect(cutText('abcdefg', 6)).toBe('abcdef…')
    expect(cutText('abcde🚀', 6)).toBe('abcde…')
  })
})

describe('quoteValue', () => {
  it('quotes a value as JSON does, with control characters spelled out', () => {
    expect(quoteValue('m1')).toBe('"m1"')
    expect(quoteValue('a"b\\c')).toBe('"a\\"b\\\\c"')
    expect(quoteValue('\u001b[1mBOLD')).toBe('"\\x1b[1mBOLD"')
    expect(quoteValue("name=x'y", "'")).toBe("'name=x'y'")
  })

  it('cuts a long value and gives its full length', () => {
    expect(quoteValue('a'.repeat(100_000))).toBe(`"${'a'.repeat(80)}…" (100000 characters)`)
    expect(quoteValue('a'.repeat(80))).toBe(`"${'a'.repeat(80)}"`)
  })
})

describe('redactUrlPasswords', () => {
  it('hides the password of any URL in a text, keeping the user and host', () => {
    expect(redactUrlPasswords('--url "tcp://admin:s3cret@10.0.0.5:2376" is not of the form tcp://HOST:PORT'))
      .toBe('--url "tcp://admin:***@10.0.0.5:2376" is not of the form tcp://HOST:PORT')
    expect(redactUrlPasswords('see https://u:p@a.example/x and ssh://root:pa@ss@h:22')).toBe('see https://u:***@a.example/x and ssh://root:***@h:22')
  })

  it('leaves URLs without a password as they are', () => {
    for (const text of ['tcp://10.0.0.5:2376', 'https://user@host/path', 'tcp://[::1]:2376', 'a:b@c is not a URL']) expect(redactUrlPasswords(text)).toBe(text)
  })
})
