import {describe, expect, it} from 'vitest'
import {missingPackages} from '../../../src/core/drivers/packages.js'

describe('missingPackages', () => {
  it('names only the packages Node cannot resolve from the given module, without loading them', () => {
    expect(missingPackages(import.meta.url, ['ssh2', 'berth-no-such-package', 'node-forge'])).toEqual(['berth-no-such-package'])
    expect(missingPackages(import.meta.url, [])).toEqual([])
  })

  it('resolves from the module it is given, so a plugin driver checks its own dependencies', () => {
    expect(missingPackages('file:///nonexistent/dir/driver.js', ['ssh2'])).toEqual(['ssh2'])
  })
})
