/**
 * Splits a template into Go text/template's tokens. Like Go's lexer, a mistake becomes an `error`
 * token at the end of the stream, so the parser reports whichever problem comes first in the text.
 */

export type TokenKind =
  | 'text' | 'leftDelim' | 'rightDelim' | 'space' | 'pipe' | 'leftParen' | 'rightParen' | 'char'
  | 'dot' | 'field' | 'variable' | 'identifier' | 'keyword' | 'bool' | 'nil' | 'number' | 'string'
  | 'error' | 'eof'

export interface Token {
  readonly kind: TokenKind
  /** The token's source text; for `text` the text after trim markers; for `error` the message. */
  readonly text: string
  readonly start: number
  readonly end: number
}

const KEYWORDS = new Set(['if', 'else', 'end', 'range', 'with', 'define', 'template', 'block', 'break', 'continue'])
const LEFT = '{{'
const RIGHT = '}}'
// Characters that may follow a field, variable or identifier (Go's atTerminator). Like Go, the first
// character of `}}` counts, so `{{.Name}` reports the stray brace rather than a bad character.
const TERMINATORS = new Set([' ', '\t', '\r', '\n', '.', ',', '|', ':', ')', '(', RIGHT.charAt(0)])

export function tokenize(input: string): Token[] {
  return new Lexer(input).run()
}

const isSpace = (char: string | undefined): boolean => char === ' ' || char === '\t' || char === '\r' || char === '\n'
const isWordChar = (char: string): boolean => /^[\p{L}\p{Nd}_]$/u.test(char)

class Lexer {
  private readonly tokens: Token[] = []
  private pos = 0
  private parenDepth = 0

  constructor(private readonly input: string) {}

  run(): Token[] {
    for (;;) {
      const next = this.lexText()
      if (next === 'stop' || (next === 'action' && !this.lexAction())) return this.tokens
    }
  }

  /** Text up to the next `{{`, then what comes next: an action, a (skipped) comment, or the end. */
  private lexText(): 'action' | 'comment' | 'stop' {
    const open = this.input.indexOf(LEFT, this.pos)
    const end = open === -1 ? this.input.length : open
    let text = this.input.slice(this.pos, end)
    const trimLeft = open !== -1 && this.input[open + 2] === '-' && isSpace(this.input[open + 3])
    if (trimLeft) text = text.replace(/[ \t\r\n]+$/, '')
    if (text !== '') this.emit('text', this.pos, this.pos + text.length, text)
    if (open === -1) {
      this.emit('eof', end, end)
      return 'stop'
    }
    this.pos = open + LEFT.length + (trimLeft ? 2 : 0)
    if (this.input.startsWith('/*', this.pos)) return this.lexComment() ? 'comment' : 'stop'
    this.emit('leftDelim', open, this.pos)
    this.parenDepth = 0
    return 'action'
  }

  private lexComment(): boolean {
    const close = this.input.indexOf('*/', this.pos + 2)
    if (close === -1) return this.fail('unclosed comment')
    this.pos = close + 2
    const delimiter = this.rightDelimiter()
    if (delimiter === undefined) return this.fail('comment ends before closing delimiter')
    this.consumeRightDelimiter(delimiter)
    return true
  }

  /** Everything inside `{{ … }}`; false when the action ends the stream with an error. */
  private lexAction(): boolean {
    for (;;) {
      const delimiter = this.rightDelimiter()
      if (delimiter !== undefined) {
        if (this.parenDepth > 0) return this.fail('unclosed left paren')
        const start = this.pos
        this.consumeRightDelimiter(delimiter)
        this.tokens.push({kind: 'rightDelim', text: RIGHT, start, end: start + delimiter.length})
        return true
      }
      const char = this.input[this.pos]
      const next = this.input[this.pos + 1]
      if (char === undefined) return this.fail('unclosed action')
      let ok = true
      if (isSpace(char)) this.lexSpace()
      else if (char === '|') this.single('pipe')
      else if (char === '(') this.openParen()
      else if (char === ')') this.closeParen()
      else if (char === '"') ok = this.lexQuote()
      else if (char === '`') ok = this.lexRawQuote()
      else if (char === '$') ok = this.lexWord('variable', this.pos + 1)
      else if (char === '.' && !(next !== undefined && next >= '0' && next <= '9')) ok = this.lexWord('field', this.pos + 1)
      else if (char === '.' || char === '+' || char === '-' || (char >= '0' && char <= '9')) this.lexNumber()
      else if (isWordChar(String.fromCodePoint(this.input.codePointAt(this.pos) ?? 0))) ok = this.lexIdentifier()
      else if (char >= ' ' && char <= '~') this.single('char')
      else return this.fail(`unrecognized character in action: ${describeChar(this.input, this.pos)}`)
      if (!ok) return false
    }
  }

  /** The closing delimiter here, with its trim marker if any (whitespace, `-`, `}}`). */
  private rightDelimiter(): string | undefined {
    if (isSpace(this.input[this.pos]) && this.input[this.pos + 1] === '-' && this.input.startsWith(RIGHT, this.pos + 2)) {
      return this.input.slice(this.pos, this.pos + 4)
    }
    return this.input.startsWith(RIGHT, this.pos) ? RIGHT : undefined
  }

  private consumeRightDelimiter(delimiter: string): void {
    this.pos += delimiter.length
    if (delimiter !== RIGHT) while (isSpace(this.input[this.pos])) this.pos++
  }

  private lexSpace(): void {
    const start = this.pos
    let end = start
    while (isSpace(this.input[end])) end++
    // Leave the last space to a ` -}}` trim marker.
    if (this.input[end] === '-' && this.input.startsWith(RIGHT, end + 1)) end--
    if (end > start) this.emit('space', start, end)
    this.pos = end
  }

  private single(kind: TokenKind): void {
    this.emit(kind, this.pos, this.pos + 1)
    this.pos++
  }

  private openParen(): void {
    this.parenDepth++
    this.single('leftParen')
  }

  /** An unmatched `)` is left to the parser, which reports it in context (`unexpected ")" in command`). */
  private closeParen(): void {
    this.parenDepth--
    this.single('rightParen')
  }

  private lexQuote(): boolean {
    let end = this.pos + 1
    for (;;) {
      const char = this.input[end]
      if (char === '\\' && this.input[end + 1] !== undefined && this.input[end + 1] !== '\n') end += 2
      else if (char === undefined || char === '\n' || char === '\\') return this.fail('unterminated quoted string')
      else if (char === '"') break
      else end++
    }
    this.emit('string', this.pos, end + 1)
    this.pos = end + 1
    return true
  }

  private lexRawQuote(): boolean {
    const close = this.input.indexOf('`', this.pos + 1)
    if (close === -1) return this.fail('unterminated raw quoted string')
    this.emit('string', this.pos, close + 1)
    this.pos = close + 1
    return true
  }

  /** `.`, `.A.B`, `$` or `$.A`: a run of word characters and the `.Name` segments that follow. */
  private lexWord(kind: 'field' | 'variable', from: number): boolean {
    let end = this.wordEnd(from)
    if (kind === 'field' && end === from) {
      if (!this.atTerminator(end)) return this.badCharacter(end)
      this.emit('dot', this.pos, end)
      this.pos = end
      return true
    }
    while (this.input[end] === '.' && this.wordEnd(end + 1) > end + 1 && !/[0-9]/.test(this.input[end + 1] ?? '')) end = this.wordEnd(end + 1)
    if (!this.atTerminator(end)) return this.badCharacter(end)
    this.emit(kind, this.pos, end)
    this.pos = end
    return true
  }

  private lexIdentifier(): boolean {
    const end = this.wordEnd(this.pos)
    if (!this.atTerminator(end)) return this.badCharacter(end)
    const word = this.input.slice(this.pos, end)
    const kind: TokenKind = KEYWORDS.has(word) ? 'keyword' : word === 'true' || word === 'false' ? 'bool' : word === 'nil' ? 'nil' : 'identifier'
    this.emit(kind, this.pos, end)
    this.pos = end
    return true
  }

  /** Anything number-like; the parser judges whether it is a valid Go number. */
  private lexNumber(): void {
    let end = this.pos + 1
    for (;;) {
      const char = this.input[end] ?? ''
      if (/[0-9A-Za-z_.]/.test(char)) end++
      // An exponent's sign: 1e-3, 0x1p+4.
      else if ((char === '+' || char === '-') && /[eEpP]/.test(this.input[end - 1] ?? '')) end++
      else break
    }
    this.emit('number', this.pos, end)
    this.pos = end
  }

  private wordEnd(from: number): number {
    let end = from
    for (const char of this.input.slice(from)) {
      if (!isWordChar(char)) break
      end += char.length
    }
    return end
  }

  private atTerminator(at: number): boolean {
    const char = this.input[at]
    return char === undefined || TERMINATORS.has(char)
  }

  private badCharacter(at: number): false {
    return this.fail(`bad character ${describeChar(this.input, at)}`)
  }

  private emit(kind: TokenKind, start: number, end: number, text = this.input.slice(start, end)): void {
    this.tokens.push({kind, text, start, end})
  }

  private fail(message: string): false {
    this.tokens.push({kind: 'error', text: message, start: this.pos, end: this.pos})
    return false
  }
}

/** Go's %#U: U+002D '-'. */
function describeChar(input: string, at: number): string {
  const codePoint = input.codePointAt(at) ?? 0
  const hex = codePoint.toString(16).toUpperCase().padStart(4, '0')
  return `U+${hex} '${String.fromCodePoint(codePoint)}'`
}
