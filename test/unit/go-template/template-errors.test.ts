import {describe, expect, it} from 'vitest'
import {UsageError} from '../../../src/core/errors.js'
import {compileTemplate} from '../../../src/core/go-template/go-template.js'

function failure(action: () => unknown): UsageError {
  try {
    action()
  } catch (error) {
    if (error instanceof UsageError) return error
    throw error
  }
  throw new Error('expected a UsageError')
}

const compileError = (source: string): string => failure(() => compileTemplate(source)).message
const runError = (source: string, data: unknown): string => failure(() => compileTemplate(source).execute(data)).message

describe('syntax errors, worded like Go\'s', () => {
  it.each([
    ['{{.Name}', 'template: :1: unexpected "}" in operand'],
    ['{{foo .X}}', 'template: :1: function "foo" not defined'],
    ['{{.Name', 'template: :1: unclosed action'],
    ['a\n{{.Name\n', 'template: :3: unclosed action started at :2'],
    ['{{if .X}}', 'template: :1: unexpected EOF'],
    ['{{end}}', 'template: :1: unexpected {{end}}'],
    ['{{else}}', 'template: :1: unexpected {{else}}'],
    ['{{if .A}}a{{else}}b{{else}}c{{end}}', 'template: :1: expected end; found {{else}}'],
    ['{{range .X}}a{{else if .Y}}c{{end}}', 'template: :1: unexpected {{else if}} in range'],
    ['{{}}', 'template: :1: missing value for command'],
    ['{{if}}{{end}}', 'template: :1: missing value for if'],
    ['{{"abc}}', 'template: :1: unterminated quoted string'],
    ['{{`abc}}', 'template: :1: unterminated raw quoted string'],
    ['{{"a\nb"}}', 'template: :1: unterminated quoted string'],
    ['{{"a\\q"}}', 'template: :1: invalid syntax: "a\\q"'],
    ['{{1x}}', 'template: :1: bad number syntax: "1x"'],
    ['{{.A-B}}', 'template: :1: bad character U+002D \'-\''],
    ['{{.Name,}}', 'template: :1: unexpected "," in operand'],
    ['{{#}}', 'template: :1: unexpected "#" in command'],
    ['{{.X |}}', 'template: :1: missing command after "|"'],
    ['{{| .X}}', 'template: :1: unexpected "|" in command'],
    ['{{.X | "x"}}', 'template: :1: non executable command in pipeline stage 2'],
    ['{{.X | .Y}}', 'template: :1: Y is not a method but has arguments'],
    ['{{.X .Y}}', 'template: :1: X is not a method but has arguments'],
    ['{{"x" .Y}}', 'template: :1: can\'t give argument to non-function "x"'],
    ['{{json .A .B}}', 'template: :1: wrong number of args for json: want 1 got 2'],
    ['{{printf}}', 'template: :1: wrong number of args for printf: want at least 1 got 0'],
    ['{{nil}}', 'template: :1: nil is not a command'],
    ['{{..X}}', 'template: :1: unexpected . after term "."'],
    ['{{(upper .X}}', 'template: :1: unclosed left paren'],
    ['{{upper .X)}}', 'template: :1: unexpected ")" in command'],
    ['{{$x}}', 'template: :1: undefined variable "$x"'],
    ['{{end .X}}', 'template: :1: unexpected ".X" in end'],
    ['{{abcdefghijklmnop}}', 'template: :1: function "abcdefghijklmnop" not defined'],
    ['{{.X "abcdefghijklmnop" | upper}}', 'template: :1: X is not a method but has arguments'],
    ['{{.X if}}', 'template: :1: unexpected <if> in operand'],
    ['{{.X "abc" "abcdefghijklmnop" x}}', 'template: :1: function "x" not defined'],
    ['{{.X,"abcdefghijklmnop"}}', 'template: :1: unexpected "," in operand'],
    ['{{/* x', 'template: :1: unclosed comment'],
    ['{{/* x */ .Name}}', 'template: :1: comment ends before closing delimiter'],
    ['{{with .X}}{{else if .Y}}{{end}}', 'template: :1: unexpected {{else if}} in with'],
    ['{{template "x"}}', 'template: :1: {{template}} is not supported'],
    ['line1\nline2 {{.X ,}}', 'template: :2: unexpected "," in operand'],
  ])('%j', (source, message) => {
    expect(compileError(source)).toBe(message)
  })

  it('describes a long unexpected token by its first 10 characters', () => {
    expect(compileError('{{end "abcdefghijklmnop"}}')).toBe('template: :1: unexpected "\\"abcdefghi"... in end')
  })

  it('lists the template functions when one is unknown', () => {
    expect(failure(() => compileTemplate('{{foo}}')).hint).toContain('json, prettyjson, upper, lower, join')
  })

  it('reports every error on one line', () => {
    expect(compileError('{{if .X}}\n\n')).toBe('template: :3: unexpected EOF')
    expect(runError('{{(upper\n.X)}}', {X: 1})).not.toContain('\n')
  })
})

describe('execution errors', () => {
  it('names a field the data does not have, and lists those it has', () => {
    const error = failure(() => compileTemplate('{{.Foo}}').execute({Name: 'ref', URL: 'u'}))
    expect(error.message).toBe('template: :1:2: executing "" at <.Foo>: can\'t evaluate field Foo in type map[string]interface {}')
    expect(error.hint).toBe('Fields here: Name, URL.')
  })

  it.each([
    ['{{.A.B}}', {A: null}, 'template: :1:4: executing "" at <.A.B>: nil pointer evaluating interface {}.B'],
    ['{{.A.B}}', {A: 'str'}, 'template: :1:4: executing "" at <.A.B>: can\'t evaluate field B in type string'],
    ['{{.L.X}}', {L: []}, 'template: :1:4: executing "" at <.L.X>: can\'t evaluate field X in type []interface {}'],
    ['x\n  {{$.Nope}}', {}, 'template: :2:5: executing "" at <$.Nope>: can\'t evaluate field Nope in type map[string]interface {}'],
    ['{{upper .N}}', {N: 1}, 'template: :1:8: executing "" at <.N>: wrong type for value; expected string; got float64'],
    ['{{.N | upper}}', {N: 1}, 'template: :1:7: executing "" at <upper>: wrong type for value; expected string; got float64'],
    ['{{join .S ","}}', {S: 'a'}, 'template: :1:7: executing "" at <.S>: wrong type for value; expected []string; got string'],
    ['{{range .N}}{{end}}', {N: 5}, 'template: :1:8: executing "" at <.N>: range can\'t iterate over 5'],
    ['{{index .L 5}}', {L: [1]}, 'template: :1:2: executing "" at <index .L 5>: error calling index: index out of range: 5'],
    ['{{index .Nil 1}}', {Nil: null}, 'template: :1:2: executing "" at <index .Nil 1>: error calling index: index of untyped nil'],
    ['{{len .N}}', {N: 1}, 'template: :1:2: executing "" at <len .N>: error calling len: len of type float64'],
    ['{{eq .L .L}}', {L: ['a']}, 'template: :1:2: executing "" at <eq .L .L>: error calling eq: non-comparable type [a]: []interface {}'],
    ['{{eq .N "x"}}', {N: 1}, 'template: :1:2: executing "" at <eq .N "x">: error calling eq: incompatible types for comparison'],
    ['{{lt true false}}', {}, 'template: :1:2: executing "" at <lt true false>: error calling lt: invalid type for comparison'],
    ['{{printf .N}}', {N: 1}, 'template: :1:9: executing "" at <.N>: wrong type for value; expected string; got float64'],
  ])('%j over %j', (source, data, message) => {
    expect(runError(source, data)).toBe(message)
  })

  it('stops before printing anything', () => {
    const template = compileTemplate('{{.Name}} {{.Missing}}')
    expect(() => template.execute({Name: 'ref'})).toThrow(UsageError)
  })
})
