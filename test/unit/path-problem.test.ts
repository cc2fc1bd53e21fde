import {describe, expect, it} from 'vitest'
import {BerthError, TimeoutError} from '../../src/core/errors.js'
import {errorCode} from '../../src/core/path-problem.js'

describe('errorCode', () => {
  it("reads a file system call's code", () => {
    expect(errorCode(Object.assign(new Error('ENOENT: no such file'), {code: 'ENOENT', syscall: 'open'}))).toBe('ENOENT')
  })

  it("is empty for berth's own errors, whose code is not a file system one (a lock wait that timed out is no broken lock file)", () => {
    expect(errorCode(new TimeoutError('Timed out after 3s waiting for berth (pid 1).', {code: 'lock-timed-out', data: {seconds: 3, lock: '/s/lock', holder: {pid: 1}}}))).toBe('')
    expect(errorCode(new BerthError('The engine refused.', {code: 'engine'}))).toBe('')
    expect(errorCode(undefined)).toBe('')
  })
})
