import {describe, expect, it} from 'vitest'
import {parseEngineBinary, runsOutdatedBinary} from '../../../src/core/provision/engine-binary.js'

const A = 'a'.repeat(64)
const B = 'b'.repeat(64)

describe('the engine\'s binary on the host', () => {
  it('reads the installed binary, its version, and what the running engine was started from', () => {
    const binary = parseEngineBinary(`path=/usr/sbin/dockerd\ninstalled=${A}\nversion=Docker version 20.10.24+dfsg1, build 5d6db84\npid=812\nrunning=${A}\n`)
    expect(binary).toEqual({installed: A, installedVersion: '20.10.24+dfsg1', pid: '812', running: A})
    expect(runsOutdatedBinary(binary)).toBe(false)
  })

  it('an engine started from a file a package has since replaced runs an outdated binary', () => {
    expect(runsOutdatedBinary(parseEngineBinary(`installed=${B}\nversion=Docker version 24.0.7, build afdd53b\npid=812\nrunning=${A}\n`))).toBe(true)
  })

  it('an engine that does not run, or a host without dockerd, has nothing to restart', () => {
    expect(runsOutdatedBinary(parseEngineBinary(`path=/usr/bin/dockerd\ninstalled=${B}\nversion=Docker version 24.0.7, build afdd53b\n`))).toBe(false)
    expect(parseEngineBinary('')).toEqual({})
    expect(runsOutdatedBinary(parseEngineBinary(`pid=812\nrunning=${A}\n`))).toBe(false)
  })
})
