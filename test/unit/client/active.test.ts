import {describe, expect, it} from 'vitest'

import {isActive} from '../../../src/core/client/active.js'

const machine = {url: 'tcp://10.0.0.5:2376', name: 'm1'}

describe('isActive', () => {
  it('follows DOCKER_HOST when it is set, ignoring the context', () => {
    expect(isActive(machine, {dockerHost: 'tcp://10.0.0.5:2376', currentContext: undefined})).toBe(true)
    expect(isActive(machine, {dockerHost: 'tcp://10.0.0.6:2376', currentContext: 'm1'})).toBe(false)
    expect(isActive(machine, {dockerHost: 'tcp://10.0.0.5:2376/', currentContext: undefined})).toBe(false)
  })

  it('follows the current context when DOCKER_HOST is unset or empty', () => {
    expect(isActive(machine, {dockerHost: undefined, currentContext: 'm1'})).toBe(true)
    expect(isActive(machine, {dockerHost: '', currentContext: 'm1'})).toBe(true)
    expect(isActive(machine, {dockerHost: undefined, currentContext: 'm2'})).toBe(false)
    expect(isActive(machine, {dockerHost: undefined, currentContext: undefined})).toBe(false)
  })
})
