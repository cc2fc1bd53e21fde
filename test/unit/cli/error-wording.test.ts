import {readFileSync} from 'node:fs'
import {describe, expect, it} from 'vitest'
import {DESCRIBED_BY_THROWER, ERROR_WORDING, wordError} from '../../../src/cli/error-wording.js'
import {BerthError, MachineExistsError, PreCreateCheckError, TimeoutError} from '../../../src/core/errors.js'
import {joinProse, prose, run} from '../../../src/core/fix.js'

/** Every code of the ErrorCodes interface, as its source declares it. */
function declaredCodes(): string[] {
  const source = readFileSync(new URL('../../../src/core/errors.ts', import.meta.url), 'utf8')
  const start = source.indexOf('export interface ErrorCodes {')
  const body = source.slice(start, source.indexOf('\n}\n', start))
  return [...body.matchAll(/^ {2}'([a-z-]+)':/gm)].map((match) => match[1]!)
}

describe('the catalogue of error wordings', () => {
  const codes = declaredCodes()

  it('words every code, or lists it as described by its thrower, and never both', () => {
    expect(codes.length).toBeGreaterThan(50)
    const worded = Object.keys(ERROR_WORDING)
    const unchosen = codes.filter((code) => !worded.includes(code) && !DESCRIBED_BY_THROWER.includes(code as never))
    expect(unchosen).toEqual([])
    expect(worded.filter((code) => DESCRIBED_BY_THROWER.includes(code as never))).toEqual([])
    expect(new Set(DESCRIBED_BY_THROWER).size).toBe(DESCRIBED_BY_THROWER.length)
  })

  it('names only declared codes', () => {
    expect([...Object.keys(ERROR_WORDING), ...DESCRIBED_BY_THROWER].filter((code) => !codes.includes(code))).toEqual([])
  })
})

describe('wordError', () => {
  it('words a code from its data, with the commands spelled', () => {
    expect(wordError(new MachineExistsError('m1'))).toEqual({message: 'Machine "m1" already exists.', hint: 'Choose another name, or remove it first with "berth rm m1".'})
  })

  it('words the stale docker contexts prune could not remove, with the command to run again', () => {
    const error = new BerthError('1 of 3 stale docker contexts could not be removed.', {code: 'contexts-kept', data: {kept: 1, total: 3}})
    expect(wordError(error)).toEqual({message: '1 of 3 stale docker contexts could not be removed.', hint: 'Fix what the lines above name, then run "berth contexts prune" again.'})
  })

  it('puts what the thrower adds to a worded code\'s hint after it', () => {
    const error = new MachineExistsError('m1')
    const retried = new BerthError(error.message, {...error.kind, hint: prose`Then run ${run('ls')}.`})
    expect(wordError(retried).hint).toBe('Choose another name, or remove it first with "berth rm m1". Then run "berth ls".')
  })

  it('shows a described code as its thrower said it', () => {
    const error = new BerthError('The host said no.', {code: 'provision-step', hint: joinProse(['Look at it.', prose`Then ${run('provision', 'm1')}.`])})
    expect(wordError(error)).toEqual({message: 'The host said no.', hint: 'Look at it. Then "berth provision m1".'})
  })

  it('words a failed pre-create check as the check\'s own error, which keeps its fixes', () => {
    const check = new BerthError('Unknown driver "x".', {code: 'unknown-driver', data: {driver: 'x', available: ['a', 'b']}, fixes: [run('drivers')]})
    const failed = new PreCreateCheckError(check.message, check)
    expect(failed.exitCode).toBe(3)
    expect(failed.fixes).toEqual([run('drivers')])
    expect(wordError(failed)).toEqual({message: 'Unknown driver "x".', hint: 'Available drivers: a, b. Run "berth drivers" for details.'})
  })

  it('words a rolled-back create with its cause\'s message and a hint to create again', () => {
    const cause = new BerthError('Machine "m1" has no engine address yet: its creation did not finish.', {code: 'engine-address-missing', data: {machine: 'm1'}, fixes: [run('provision', 'm1')]})
    const rolledBack = new BerthError(cause.message, {code: 'creation-rolled-back', data: {machine: 'm1'}, cause})
    expect(wordError(rolledBack)).toEqual({
      message: 'Machine "m1" has no engine address yet: its creation did not finish ("berth provision m1" finishes it).',
      hint: 'Fix the cause, then run the same "berth create" again.',
    })
    const elsewhere = new BerthError('Machine "m2" already exists.', {code: 'creation-rolled-back', data: {machine: 'm1'}, cause: new MachineExistsError('m2')})
    expect(wordError(elsewhere).hint).toBe('Choose another name, or remove it first with "berth rm m2".')
  })

  it('words a failed rm through its cause, with the retry after the cause\'s own fix', () => {
    const cause = new BerthError('The cloud said no.', {code: 'cloud-api', data: {}, hint: 'Check the account.'})
    const kept = new BerthError(cause.message, {code: 'remove-failed', data: {machine: 'm1', resourcesLeft: 2}, fixes: [run('rm', 'm1')], cause})
    expect(wordError(kept)).toEqual({message: 'The cloud said no.', hint: 'Check the account. The machine is kept with the 2 resources left; run "berth rm m1" again once the cause is fixed.'})
    const plain = new BerthError('Cannot remove "m1": boom', {code: 'remove-failed', data: {machine: 'm1', resourcesLeft: 0}, fixes: [run('rm', 'm1', ['-f'])], cause: new Error('boom')})
    expect(wordError(plain)).toEqual({message: 'Cannot remove "m1": boom', hint: 'To remove its local state anyway, run "berth rm -f m1".'})
  })

  it('gives an error that rewords its cause the cause\'s fix, as the CLI words it', () => {
    const cause = new MachineExistsError('m1')
    const timedOut = new TimeoutError(`Timed out: ${cause.message}`, {hintFromCause: true, cause})
    expect(timedOut.fixes).toEqual([run('rm', 'm1')])
    expect(wordError(timedOut)).toEqual({message: 'Timed out: Machine "m1" already exists.', hint: 'Choose another name, or remove it first with "berth rm m1".'})
  })
})
