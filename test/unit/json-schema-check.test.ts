import {readdirSync} from 'node:fs'
import {describe, expect, it} from 'vitest'
import {schemaDir, schemaProblems} from '../harness/json-schema.js'

// The checker the e2e tests validate --json output with: it must catch what a schema forbids.
describe('the JSON schema checker', () => {
  const machine = {name: 'm1', state: 'Running'}

  it('accepts a conforming document and names each problem of one that is not', () => {
    expect(schemaProblems('status.schema.json', machine)).toEqual([])
    expect(schemaProblems('status.schema.json', {name: 'm1'})).toEqual(['$: "state" is missing'])
    expect(schemaProblems('status.schema.json', {...machine, extra: 1})).toEqual(['$: "extra" is not allowed'])
    expect(schemaProblems('status.schema.json', {...machine, state: 'Up'})).toEqual([expect.stringMatching(/^\$\.state: "Up" is not one of /)])
    expect(schemaProblems('status.schema.json', {...machine, name: '-bad'})).toEqual([expect.stringMatching(/^\$\.name: "-bad" does not match /)])
    expect(schemaProblems('ip.schema.json', [{name: 'm1', address: 7}])).toEqual(['$[0].address: expected string, got 7'])
    expect(schemaProblems('version.schema.json', {berthVersion: '1', name: 'm1'})).toEqual(['$: matches 0 of the oneOf options, not exactly 1'])
  })

  it('reads every schema in docs/json with only the keywords it knows', () => {
    const files = readdirSync(schemaDir).filter((file) => file.endsWith('.schema.json'))
    expect(files.length).toBeGreaterThanOrEqual(9)
    // Loading a schema checks the keywords of all its parts, whatever the document.
    for (const file of files) expect(() => schemaProblems(file, [])).not.toThrow()
  })
})
