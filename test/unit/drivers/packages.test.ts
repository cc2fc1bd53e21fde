import {describe, expect, it} from 'vitest'
import {missingPackages, packagesHealth} from '../../../src/driver-kit/packages.js'

describe('missingPackages', () => {
  it('names only the packages Node cannot resolve from the given module, without loading them', () => {
    expect(missingPackages(import.meta.url, ['ssh2', 'berth-no-such-package', 'node-forge'])).toEqual(['berth-no-such-package'])
    expect(missingPackages(import.meta.url, [])).toEqual([])
  })

  it('resolves from the module it is given, so a plugin driver checks its own dependencies', () => {
    expect(missingPackages('file:///nonexistent/dir/driver.js', ['ssh2'])).toEqual(['ssh2'])
  })

  it('makes a driver\'s health from them, in the driver\'s own words', () => {
    expect(packagesHealth(import.meta.url, ['ssh2'], (missing) => `${missing} is missing.`, 'Reinstall.')).toEqual({installed: true, healthy: true})
    expect(packagesHealth(import.meta.url, ['ssh2', 'berth-no-such-package'], (missing) => `${missing} is missing.`, 'Reinstall.'))
      .toEqual({installed: false, healthy: false, problem: 'berth-no-such-package is missing.', fix: 'Reinstall.'})
  })
})
