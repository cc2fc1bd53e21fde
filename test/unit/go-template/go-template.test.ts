import {describe, expect, it} from 'vitest'
import {compileTemplate, unescapeFormat} from '../../../src/core/go-template/go-template.js'

const render = (source: string, data: unknown = {}): string => compileTemplate(source).execute(data)

/** A Docker Machine config.json's Driver section (none driver), keys deliberately out of order. */
const driver = {
  URL: 'tcp://10.231.99.2:2376', IPAddress: '10.231.99.2:2376', MachineName: 'ref', SSHUser: '', SSHPort: 0, SSHKeyPath: '',
  StorePath: '/home/u/.docker/machine', SwarmMaster: false, SwarmHost: '', SwarmDiscovery: '',
}
const host = {ConfigVersion: 3, Driver: driver, DriverName: 'none', HostOptions: {EngineOptions: {Labels: ['a=b'], Env: []}}, Name: 'ref'}

// Expected outputs were checked against Go's text/template with Docker Machine's functions.
describe('inspect --format, as Docker Machine prints it', () => {
  it('prints a field', () => {
    expect(render('{{.DriverName}}', host)).toBe('none')
  })

  it('prints json with sorted keys', () => {
    expect(render('{{json .Driver}}', host)).toBe(
      '{"IPAddress":"10.231.99.2:2376","MachineName":"ref","SSHKeyPath":"","SSHPort":0,"SSHUser":"","StorePath":"/home/u/.docker/machine",'
      + '"SwarmDiscovery":"","SwarmHost":"","SwarmMaster":false,"URL":"tcp://10.231.99.2:2376"}',
    )
  })

  it('prints prettyjson with a 4-space indent', () => {
    expect(render('{{prettyjson .HostOptions}}', host)).toBe('{\n    "EngineOptions": {\n        "Env": [],\n        "Labels": [\n            "a=b"\n        ]\n    }\n}')
    expect(render('{{prettyjson .X}} {{prettyjson .Y}}', {X: [], Y: {}})).toBe('[] {}')
  })
})

describe('actions', () => {
  it('passes literal text through and evaluates fields, nested fields and dot', () => {
    expect(render('name: {{ .Name }}!', {Name: 'ref'})).toBe('name: ref!')
    expect(render('{{.A.B.C}}', {A: {B: {C: 'deep'}}})).toBe('deep')
    expect(render('{{.}}', 'just me')).toBe('just me')
    expect(render('no actions')).toBe('no actions')
  })

  it('reaches the top-level data through $', () => {
    expect(render('{{range .L}}{{$.Name}}:{{.}} {{end}}', {Name: 'n', L: [1, 2]})).toBe('n:1 n:2 ')
    expect(render('{{$}}', 'top')).toBe('top')
  })

  it('prints values as Go does', () => {
    const data = {S: 'x', N: 42, F: 1.5, T: true, Z: 0, E: '', L: ['a', 'b'], NL: [1, null], EL: [], M: {k: 'v', a: 1}, Nil: null}
    expect(render('{{.S}} {{.N}} {{.F}} {{.T}} {{.Z}} [{{.E}}] {{.L}} {{.NL}} {{.EL}} {{.M}} {{.Nil}}', data))
      .toBe('x 42 1.5 true 0 [] [a b] [1 <nil>] [] map[a:1 k:v] <no value>')
    expect(render('{{.A}} {{.B}} {{.C}} {{.D}}', {A: 0.00001, B: 0.0001, C: 1234567.5, D: 1048576})).toBe('1e-05 0.0001 1.2345675e+06 1048576')
  })

  it('accepts literals', () => {
    expect(render('{{"lit"}} {{`raw\\n`}} {{1}} {{1.5}} {{true}} {{0x1F}} {{-2}} {{.5}} {{1e3}}')).toBe('lit raw\\n 1 1.5 true 31 -2 0.5 1000')
    expect(render('{{"esc\\t\\u00e9\\x41\\101"}}')).toBe('esc\téAA')
  })

  it('trims whitespace at - markers', () => {
    expect(render('a  {{- .X -}}  b', {X: 1})).toBe('a1b')
    expect(render('a\n\t{{- .X}}\n', {X: 1})).toBe('a1\n')
    expect(render('{{.X -}}\n\n  x', {X: 1})).toBe('1x')
    expect(render('x {{-3}}')).toBe('x -3')
  })

  it('skips comments', () => {
    expect(render('{{/* comment */}}x')).toBe('x')
    expect(render('a {{- /* c */ -}}  y')).toBe('ay')
  })
})

describe('functions', () => {
  const data = {Name: 'Ref', N: 42, L: ['a', 'b'], M: {k: 'v'}, Q: 'a"b\n\x01é', Nil: null}

  it('json and prettyjson', () => {
    expect(render('{{json .}}', {b: 1, a: [1, 'x', null], 10: true, 9: {}})).toBe('{"10":true,"9":{},"a":[1,"x",null],"b":1}')
    expect(render('{{json .S}}', {S: '<a & b>\u2028'})).toBe('"\\u003ca \\u0026 b\\u003e\\u2028"')
  })

  it('upper, lower and join', () => {
    expect(render('{{upper .Name}} {{lower .Name}} {{join .L ", "}}', data)).toBe('REF ref a, b')
  })

  it('takes a piped value as the last argument', () => {
    expect(render('{{.M | json}} {{.Name | upper}} {{.Name | printf "<%s>"}} {{.Name | lower | upper}}', data)).toBe('{"k":"v"} REF <Ref> REF')
    expect(render('{{(printf "%s-%s" .Name .Name) | upper}}', data)).toBe('REF-REF')
  })

  it('printf with %s %d %v %q %t, widths and Go\'s markers for mistakes', () => {
    expect(render('{{printf "%s|%d|%v|%q|%t|%%" .Name .N .L .Q true}}', data)).toBe('Ref|42|[a b]|"a\\"b\\n\\x01é"|true|%')
    expect(render('{{printf "%5s|%-5s|%.2s|%05d|%+d|%q" .Name .Name .Name .N .N .L}}', data)).toBe('  Ref|Ref  |Re|00042|+42|["a" "b"]')
    expect(render('{{printf "%s %d" .N .N}}', data)).toBe('42 42')
    expect(render('{{printf "%d" .Name}} {{printf "%s %s" .Name}} {{printf "%s" .Name 1}} {{printf "%s" .Nil}} {{printf "%x" 1}}', data))
      .toBe('%!d(string=Ref) Ref %!s(MISSING) Ref%!(EXTRA float64=1) %!s(<nil>) %!x(float64=1)')
  })

  it('print and println', () => {
    expect(render('{{print 1 2 "a" "b" 3}}|{{println "x" 1}}|{{print}}')).toBe('1 2ab3|x 1\n|')
  })

  it('comparisons and logic', () => {
    expect(render('{{eq .Name "Ref"}} {{eq .N 1 2 42}} {{ne .N 42}} {{lt 1 2}} {{le 2 2}} {{gt "b" "a"}} {{ge 1 2}}', data))
      .toBe('true true false true true true false')
    expect(render('{{not .N}} {{and 1 0 2}} {{or 0 "" 3}} {{and .Name .N}} {{eq .Nil nil}}', data)).toBe('false 0 3 42 true')
    // and/or stop early, so a guard protects the field after it.
    expect(render('{{and .Nil .Nil.X}}', {Nil: null})).toBe('<no value>')
  })

  it('len and index', () => {
    expect(render('{{len .L}} {{len .M}} {{len "é"}} {{index .L 1}} {{index .M "k"}} {{index .M "none"}} {{index .D 0 "x"}}', {...data, D: [{x: 'y'}]}))
      .toBe('2 1 2 b v <no value> y')
  })
})

describe('control structures', () => {
  it('if, else if and else follow Go\'s truth', () => {
    const choose = '{{if .A}}a{{else if .B}}b{{else}}none{{end}}'
    expect(render(choose, {A: 1, B: 1})).toBe('a')
    expect(render(choose, {A: 0, B: 'x'})).toBe('b')
    for (const empty of [false, 0, '', null, [], {}]) expect(render(choose, {A: empty, B: empty})).toBe('none')
    expect(render('{{if and .A (eq .B "x")}}both{{end}}', {A: true, B: 'x'})).toBe('both')
  })

  it('range over arrays and maps (values in key order), with else for nothing', () => {
    expect(render('{{range .L}}[{{.}}]{{end}}', {L: ['a', 'b']})).toBe('[a][b]')
    expect(render('{{range .M}}<{{.}}>{{end}}', {M: {b: 2, a: 1}})).toBe('<1><2>')
    expect(render('{{range .L}}x{{else}}empty{{end}}', {L: []})).toBe('empty')
    expect(render('{{range .L}}x{{else}}none{{end}}', {L: null})).toBe('none')
  })

  it('with sets dot when the value is true', () => {
    expect(render('{{with .A}}{{.B}}{{else}}none{{end}}', {A: {B: 'b'}})).toBe('b')
    expect(render('{{with .A}}x{{else}}none{{end}}', {A: null})).toBe('none')
  })
})

describe('unescapeFormat', () => {
  it('turns a typed \\t and \\n into a tab and a newline', () => {
    expect(unescapeFormat('{{.Name}}\\t{{.URL}}\\n')).toBe('{{.Name}}\t{{.URL}}\n')
    expect(unescapeFormat('\\\\t \\x')).toBe('\\\t \\x')
  })
})
