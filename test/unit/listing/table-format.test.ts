import {describe, expect, it} from 'vitest'
import type {ListRow} from '../../../src/core/listing/list-row.js'
import {compileListFormat, DEFAULT_LS_FORMAT, formatGoDuration, renderListing} from '../../../src/core/listing/table-format.js'

/** The machine from the captured Docker Machine 0.16.2 session: none driver, reachable engine. */
const ref: ListRow = {
  Name: 'ref',
  Active: '-',
  ActiveHost: false,
  ActiveSwarm: false,
  DriverName: 'none',
  State: 'Running',
  URL: 'tcp://10.231.99.2:2376',
  Swarm: '',
  SwarmOptions: {Master: false, Discovery: ''},
  EngineOptions: {Labels: ['provider=none']},
  Error: '',
  DockerVersion: 'v20.10.24+dfsg1',
  ResponseTime: '4ms',
}

const broken: ListRow = {
  ...ref,
  Name: 'broken',
  Active: '',
  DriverName: 'not found',
  State: 'Error',
  URL: '',
  SwarmOptions: null,
  EngineOptions: null,
  DockerVersion: '',
  Error: 'Error getting migrated host: invalid character \'b\' looking for beginning of object key string',
  ResponseTime: '0s',
}

describe('renderListing, byte for byte as Docker Machine prints', () => {
  it('prints the default table with the empty ERRORS cell leaving three trailing spaces', () => {
    expect(renderListing(undefined, [ref])).toBe(
      'NAME   ACTIVE   DRIVER   STATE     URL                      SWARM   DOCKER            ERRORS\n'
      + 'ref    -        none     Running   tcp://10.231.99.2:2376           v20.10.24+dfsg1   \n',
    )
  })

  it('prints an unreachable engine with its error in the last, unpadded column', () => {
    const row = {...ref, DockerVersion: 'Unknown', Error: 'Unable to query docker version: Cannot connect to the docker engine endpoint'}
    expect(renderListing(undefined, [row])).toBe(
      'NAME   ACTIVE   DRIVER   STATE     URL                      SWARM   DOCKER    ERRORS\n'
      + 'ref    -        none     Running   tcp://10.231.99.2:2376           Unknown   Unable to query docker version: Cannot connect to the docker engine endpoint\n',
    )
  })

  it('prints only the header for an empty store', () => {
    expect(renderListing(undefined, [])).toBe('NAME   ACTIVE   DRIVER   STATE   URL   SWARM   DOCKER   ERRORS\n')
    expect(renderListing('', [])).toBe('NAME   ACTIVE   DRIVER   STATE   URL   SWARM   DOCKER   ERRORS\n')
  })

  it('aligns a broken machine row with a healthy one', () => {
    expect(renderListing(undefined, [broken, ref])).toBe(
      'NAME     ACTIVE   DRIVER      STATE     URL                      SWARM   DOCKER            ERRORS\n'
      + 'broken            not found   Error' + ' '.repeat(56)
      + 'Error getting migrated host: invalid character \'b\' looking for beginning of object key string\n'
      + 'ref      -        none        Running   tcp://10.231.99.2:2376           v20.10.24+dfsg1   \n',
    )
  })

  it('prints a format without `table` line by line, with no header', () => {
    expect(renderListing('{{.Name}} {{.URL}}', [ref])).toBe('ref tcp://10.231.99.2:2376\n')
    expect(renderListing('{{.Name}} {{.URL}}', [])).toBe('')
  })
})

describe('ls --format handling', () => {
  it('uses Docker Machine\'s default format string', () => {
    expect(DEFAULT_LS_FORMAT).toBe('table {{ .Name }}\t{{ .Active }}\t{{ .DriverName}}\t{{ .State }}\t{{ .URL }}\t{{ .Swarm }}\t{{ .DockerVersion }}\t{{ .Error}}')
    expect(compileListFormat(undefined).table).toBe(true)
  })

  it('builds the header of a `table` format from the field names', () => {
    const format = 'table {{.Name}}\\t{{.ActiveHost}}\\t{{.ActiveSwarm}}\\t{{.SwarmOptions}}\\t{{.EngineOptions}}\\t{{.ResponseTime}}'
    expect(renderListing(format, [ref])).toBe(
      'NAME   ACTIVE_HOST   ACTIVE_SWARM   SWARM_OPTIONS                  ENGINE_OPTIONS                RESPONSE\n'
      + 'ref    false         false          map[Discovery: Master:false]   map[Labels:[provider=none]]   4ms\n',
    )
  })

  it('turns a typed \\t and \\n into a tab and a newline, and trims surrounding spaces', () => {
    expect(renderListing('  {{.Name}}\\t{{.DriverName}}\\n--  ', [ref])).toBe('ref\tnone\n--\n')
    expect(renderListing('table {{.Name}}\\t{{.State}}', [ref, broken])).toBe('NAME     STATE\nref      Running\nbroken   Error\n')
  })

  it('treats any format starting with `table` as a table, as Docker Machine does', () => {
    expect(renderListing('table{{.Name}}', [ref])).toBe('NAME\nref\n')
    expect(renderListing('tablex {{.Name}}', [ref])).toBe('x NAME\nx ref\n')
    expect(renderListing('table', [ref])).toBe('\n\n')
  })

  it('offers Go\'s duration text for ResponseTime', () => {
    expect(renderListing('{{.ResponseTime}}', [{...ref, ResponseTime: formatGoDuration(1500)}])).toBe('1.5s\n')
  })

  it('keeps rows in the order given', () => {
    expect(renderListing('{{.Name}}', [ref, broken])).toBe('ref\nbroken\n')
  })

  it('supports {{json .}} (Docker Machine does not), with keys sorted', () => {
    expect(renderListing('{{json .}}', [ref])).toBe(
      '{"Active":"-","ActiveHost":false,"ActiveSwarm":false,"DockerVersion":"v20.10.24+dfsg1","DriverName":"none",'
      + '"EngineOptions":{"Labels":["provider=none"]},"Error":"","Name":"ref","ResponseTime":"4ms","State":"Running",'
      + '"Swarm":"","SwarmOptions":{"Discovery":"","Master":false},"URL":"tcp://10.231.99.2:2376"}\n',
    )
  })

  it('renders conditionals over the row', () => {
    const format = '{{.Name}}{{if .ActiveHost}} (active){{end}}'
    expect(renderListing(format, [ref, {...ref, Name: 'dev', Active: '*', ActiveHost: true}])).toBe('ref\ndev (active)\n')
  })

  it('rejects a bad format before any machine is looked at', () => {
    expect(() => compileListFormat('{{.Name}')).toThrow('template: :1: unexpected "}" in operand')
  })

  it('names a field that rows do not have, even with no rows (the header is run over the field names)', () => {
    expect(() => renderListing('table {{.Nmae}}', [])).toThrow('template: :1:2: executing "" at <.Nmae>: can\'t evaluate field Nmae')
    expect(() => renderListing('{{.Nmae}}', [ref])).toThrow('can\'t evaluate field Nmae')
  })
})
