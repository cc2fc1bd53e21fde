import {describe, expect, it} from 'vitest'
import {latestLines} from '../../../src/core/provision/remote-script.js'

describe('the latest line of a running remote script', () => {
  it('is each complete non-empty line as it ends, a carriage return ending one too, without terminal escapes', () => {
    const told: string[] = []
    const feed = latestLines((line) => told.push(line))
    feed(Buffer.from('Get:1 http://deb.example bookworm InRelease\nGet:2 http://deb.exa'), 'stdout')
    feed(Buffer.from('mple bookworm-updates InRelease\n\n   \n'), 'stdout')
    feed(Buffer.from('\u001b[1;32mSetting up docker-ce\u001b[0m ...\r 45%\r'), 'stderr')
    expect(told).toEqual(['Get:1 http://deb.example bookworm InRelease', 'Get:2 http://deb.example bookworm-updates InRelease', '45%'])
  })

  it('keeps each stream\'s unfinished line apart and a character split between pieces whole', () => {
    const told: string[] = []
    const feed = latestLines((line) => told.push(line))
    const bytes = Buffer.from('waiting for 2 containers … to stop\n')
    const split = bytes.indexOf(Buffer.from('…')) + 1
    feed(bytes.subarray(0, split), 'stdout')
    feed(Buffer.from('+ sh -c apt-get\n'), 'stderr')
    feed(bytes.subarray(split), 'stdout')
    expect(told).toEqual(['+ sh -c apt-get', 'waiting for 2 containers … to stop'])
  })
})
