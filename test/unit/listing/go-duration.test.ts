import {describe, expect, it} from 'vitest'
import {formatGoDuration} from '../../../src/core/listing/go-duration.js'

// Each expected value is Go's time.Duration.String for the same duration.
describe('formatGoDuration', () => {
  it.each([
    [0, '0s'], [4, '4ms'], [0.85, '850µs'], [0.0005, '500ns'], [0.000001, '1ns'], [1.5, '1.5ms'], [999, '999ms'],
    [1000, '1s'], [1500, '1.5s'], [10_000, '10s'], [59_999, '59.999s'], [60_000, '1m0s'], [123_000, '2m3s'],
    [3_600_000, '1h0m0s'], [3_723_004, '1h2m3.004s'], [86_400_000, '24h0m0s'], [-4, '-4ms'], [-1500, '-1.5s'],
  ])('%d ms is %s', (ms, text) => {
    expect(formatGoDuration(ms)).toBe(text)
  })
})
