import type {Command, Operand, Pipeline, TemplateNode} from './ast.js'
import {FUNCTIONS} from './functions.js'
import {goQuote} from './go-values.js'
import {tokenize, type Token, type TokenKind} from './lexer.js'
import {parseGoNumber, unquoteGoString} from './literals.js'
import {lineAt, parseError} from './template-error.js'
import type {UsageError} from '../errors.js'

/** Parses Go text/template syntax, failing with Go's messages (`template: :1: unexpected "}" in operand`). */
export function parseTemplate(source: string): TemplateNode[] {
  return new Parser(source, tokenize(source)).parse()
}

/** {{end}} or {{else}} (with its condition for {{else if}}), which end a list of items. */
type Control =
  | {readonly kind: 'end'; readonly token: Token}
  | {readonly kind: 'else'; readonly token: Token; readonly elseIf: Pipeline | undefined}

type Terminator = Control | {readonly kind: 'eof'; readonly token: Token}

const OPERAND_START = new Set<TokenKind>(['bool', 'dot', 'field', 'identifier', 'leftParen', 'nil', 'number', 'string', 'variable'])

class Parser {
  private index = 0
  /** Where the action being parsed began, for "unclosed action started at :N". */
  private actionStart: number | undefined

  constructor(private readonly source: string, private readonly tokens: readonly Token[]) {}

  parse(): TemplateNode[] {
    const {nodes, terminator} = this.itemList()
    if (terminator.kind !== 'eof') throw this.error(terminator.token, `unexpected {{${terminator.kind}}}`)
    return nodes
  }

  /** Text and actions up to an {{end}}, an {{else}} or the end of the input. */
  private itemList(): {nodes: TemplateNode[]; terminator: Terminator} {
    const nodes: TemplateNode[] = []
    for (;;) {
      this.actionStart = undefined
      const token = this.next()
      if (token.kind === 'eof') return {nodes, terminator: {kind: 'eof', token}}
      if (token.kind === 'text') {
        nodes.push({kind: 'text', text: token.text})
        continue
      }
      if (token.kind !== 'leftDelim') throw this.unexpected(token, 'input')
      const item = this.action(token)
      if (item.kind === 'end' || item.kind === 'else') return {nodes, terminator: item}
      nodes.push(item)
    }
  }

  private action(open: Token): TemplateNode | Control {
    this.actionStart = open.start
    const token = this.nextNonSpace()
    if (token.kind === 'keyword') {
      switch (token.text) {
        case 'end':
          this.expect('rightDelim', 'end')
          return {kind: 'end', token}
        case 'else':
          return this.elseControl(token)
        case 'if':
        case 'range':
        case 'with':
          return this.branch(token.text, this.pipeline(token.text, 'rightDelim').pipeline)
        default:
          throw this.error(token, `{{${token.text}}} is not supported`)
      }
    }
    this.index--
    return {kind: 'action', pipeline: this.pipeline('command', 'rightDelim').pipeline}
  }

  private elseControl(token: Token): Control {
    const next = this.peekNonSpace()
    if (next.kind === 'keyword' && next.text === 'if') {
      this.nextNonSpace()
      return {kind: 'else', token, elseIf: this.pipeline('if', 'rightDelim').pipeline}
    }
    this.expect('rightDelim', 'else')
    return {kind: 'else', token, elseIf: undefined}
  }

  /** The rest of {{if}}, {{range}} or {{with}}: its body, an optional {{else}} or {{else if}}, and {{end}}. */
  private branch(kind: 'if' | 'range' | 'with', pipeline: Pipeline): TemplateNode {
    const body = this.itemList()
    const terminator = body.terminator
    if (terminator.kind === 'eof') throw this.error(terminator.token, 'unexpected EOF')
    if (terminator.kind === 'end') return {kind, pipeline, body: body.nodes, otherwise: []}
    if (terminator.elseIf !== undefined) {
      if (kind !== 'if') throw this.error(terminator.token, `unexpected {{else if}} in ${kind}`)
      // {{if a}}x{{else if b}}y{{end}} is {{if a}}x{{else}}{{if b}}y{{end}}{{end}} sharing one {{end}}.
      return {kind, pipeline, body: body.nodes, otherwise: [this.branch('if', terminator.elseIf)]}
    }
    const otherwise = this.itemList()
    if (otherwise.terminator.kind === 'eof') throw this.error(otherwise.terminator.token, 'unexpected EOF')
    if (otherwise.terminator.kind === 'else') throw this.error(otherwise.terminator.token, 'expected end; found {{else}}')
    return {kind, pipeline, body: body.nodes, otherwise: otherwise.nodes}
  }

  /** Commands separated by `|`, up to the closing `}}` or `)`. */
  private pipeline(context: string, end: 'rightDelim' | 'rightParen'): {pipeline: Pipeline; end: Token} {
    const commands: Command[] = []
    let piped = false
    for (;;) {
      const token = this.nextNonSpace()
      if (token.kind === end) {
        const [first] = commands
        const last = commands.at(-1)
        if (first === undefined || last === undefined) throw this.error(token, `missing value for ${context}`)
        if (piped) throw this.error(token, 'missing command after "|"')
        return {pipeline: {span: {start: first.span.start, end: last.span.end}, commands}, end: token}
      }
      if (!OPERAND_START.has(token.kind)) throw this.unexpected(token, context)
      const result = this.command(token, commands.length)
      commands.push(result.command)
      piped = result.piped
    }
  }

  /** Space-separated operands; consumes a trailing `|` but leaves the closing delimiter. */
  private command(first: Token, stage: number): {command: Command; piped: boolean} {
    const args: [Operand, ...Operand[]] = [this.operand(first)]
    let piped = false
    for (;;) {
      const token = this.next()
      if (token.kind === 'space') {
        if (OPERAND_START.has(this.peekNonSpace().kind)) args.push(this.operand(this.nextNonSpace()))
        continue
      }
      if (token.kind === 'pipe') piped = true
      else if (token.kind === 'rightDelim' || token.kind === 'rightParen') this.index--
      else throw this.unexpected(token, 'operand')
      break
    }
    this.check(args, stage)
    const [head] = args
    return {command: {span: {start: head.span.start, end: (args.at(-1) ?? head).span.end}, args}, piped}
  }

  /** What Go only finds when executing, found before any output: argument counts and non-functions given arguments. */
  private check([head, ...rest]: readonly [Operand, ...Operand[]], stage: number): void {
    const field = head.kind === 'field' ? head.path.at(-1) : undefined
    if (head.kind === 'function') this.checkArity(head, rest.length + (stage > 0 ? 1 : 0))
    else if (field !== undefined && (rest.length > 0 || stage > 0)) throw this.error(head.span, `${field} is not a method but has arguments`)
    else if (rest.length > 0) throw this.error(head.span, `can't give argument to non-function ${this.text(head)}`)
    else if (stage > 0) throw this.error(head.span, `non executable command in pipeline stage ${stage + 1}`)
    else if (head.kind === 'literal' && head.value === null) throw this.error(head.span, 'nil is not a command')
    for (const arg of rest) if (arg.kind === 'function') this.checkArity(arg, 0)
  }

  private checkArity(operand: Extract<Operand, {kind: 'function'}>, got: number): void {
    const {min, max} = operand.fn
    if (got >= min && got <= max) return
    const want = max === Infinity ? `at least ${min}` : String(got < min ? min : max)
    throw this.error(operand.span, `wrong number of args for ${operand.name}: want ${want} got ${got}`)
  }

  /** A term, which must not be followed directly by `.Field`. */
  private operand(token: Token): Operand {
    const operand = this.term(token)
    if (this.peek().kind === 'field') throw this.error(this.peek(), `unexpected . after term ${goQuote(this.text(operand))}`)
    return operand
  }

  private term(token: Token): Operand {
    const span = {start: token.start, end: token.end}
    switch (token.kind) {
      case 'identifier': {
        const fn = FUNCTIONS.get(token.text)
        if (fn === undefined) throw this.error(token, `function ${goQuote(token.text)} not defined`, `Template functions: ${[...FUNCTIONS.keys()].join(', ')}.`)
        return {kind: 'function', span, name: token.text, fn}
      }
      case 'dot':
        return {kind: 'field', span, from: 'dot', path: []}
      case 'field':
        return {kind: 'field', span, from: 'dot', path: token.text.slice(1).split('.')}
      case 'variable': {
        // Only `$`, the template's data, exists: berth templates declare no variables.
        if (token.text !== '$' && !token.text.startsWith('$.')) throw this.error(token, `undefined variable ${goQuote(token.text.split('.')[0] ?? '')}`)
        return {kind: 'field', span, from: 'root', path: token.text === '$' ? [] : token.text.slice(2).split('.')}
      }
      case 'nil':
        return {kind: 'literal', span, value: null}
      case 'bool':
        return {kind: 'literal', span, value: token.text === 'true'}
      case 'number': {
        const value = parseGoNumber(token.text)
        if (value === undefined) throw this.error(token, `bad number syntax: ${goQuote(token.text)}`)
        return {kind: 'literal', span, value}
      }
      case 'string': {
        const value = unquoteGoString(token.text)
        if (value === undefined) throw this.error(token, `invalid syntax: ${token.text}`)
        return {kind: 'literal', span, value}
      }
      case 'leftParen': {
        const {pipeline, end} = this.pipeline('parenthesized pipeline', 'rightParen')
        return {kind: 'pipeline', span: {start: token.start, end: end.end}, pipeline}
      }
      default:
        throw this.unexpected(token, 'operand')
    }
  }

  private text(operand: Operand): string {
    return this.source.slice(operand.span.start, operand.span.end)
  }

  private next(): Token {
    // The lexer ends every stream with an eof or error token, which the parser never reads past.
    const token = this.tokens[Math.min(this.index, this.tokens.length - 1)] as Token
    this.index++
    return token
  }

  private nextNonSpace(): Token {
    let token = this.next()
    while (token.kind === 'space') token = this.next()
    return token
  }

  private peek(): Token {
    const token = this.next()
    this.index--
    return token
  }

  private peekNonSpace(): Token {
    const start = this.index
    const token = this.nextNonSpace()
    this.index = start
    return token
  }

  private expect(kind: TokenKind, context: string): void {
    const token = this.nextNonSpace()
    if (token.kind !== kind) throw this.unexpected(token, context)
  }

  private unexpected(token: Token, context: string): UsageError {
    if (token.kind !== 'error') return this.error(token, `unexpected ${describe(token)} in ${context}`)
    const startLine = this.actionStart === undefined ? undefined : lineAt(this.source, this.actionStart)
    if (startLine === undefined || startLine === lineAt(this.source, token.start)) return this.error(token, token.text)
    // Go's wording: "unclosed action started at :1", "unterminated quoted string in action started at :1".
    return this.error(token, `${token.text}${token.text.endsWith(' action') ? '' : ' in action'} started at :${startLine}`)
  }

  private error(at: {start: number}, message: string, hint?: string): UsageError {
    return parseError(this.source, at.start, message, hint)
  }
}

/** A token as Go's parser names it in errors: keywords as <if>, others quoted, long ones cut at 10 characters. */
function describe(token: Token): string {
  if (token.kind === 'eof') return 'EOF'
  if (token.kind === 'keyword' || token.kind === 'nil' || token.kind === 'dot') return `<${token.text}>`
  const chars = [...token.text]
  return chars.length > 10 ? `${goQuote(chars.slice(0, 10).join(''))}...` : goQuote(token.text)
}
