import {describe, expect, it} from 'vitest'
import {wordError} from '../../src/cli/error-wording.js'
import type {Size} from '../../drivers/digitalocean/api-types.js'
import {diskProblem} from '../../drivers/digitalocean/preflight.js'

const size = (slug: string, disk: number, memory = 2048): Size => ({slug, disk, memory, available: true, regions: ['nyc3'], vcpus: 1})
const here = [size('s-1vcpu-2gb', 50), size('s-2vcpu-4gb', 80, 4096), size('c-2', 25, 4096), size('s-8vcpu-16gb', 320, 16384), size('s-4vcpu-8gb', 160, 8192), size('so-2vcpu-16gb', 300, 16384)]
const settings = {image: '163481722', region: 'nyc3'}

describe('the disk an image needs', () => {
  it('takes a size with at least the image\'s minimum disk', () => {
    expect(diskProblem(7, here[0]!, here, settings)).toBeUndefined()
    expect(diskProblem(80, here[1]!, here, settings)).toBeUndefined()
  })

  it('refuses a smaller one, naming the sizes of the region that fit, smallest disk first', () => {
    const problem = diskProblem(80, here[0]!, here, settings)
    expect(`${problem?.message} ${wordError(problem!).hint}`).toBe('The image 163481722 needs a disk of at least 80 GB, and size s-1vcpu-2gb has 50 GB. Pass --digitalocean-size with one that does, such as s-2vcpu-4gb, s-4vcpu-8gb, so-2vcpu-16gb, s-8vcpu-16gb.')
  })

  it('says so when no size of the region fits', () => {
    const problem = diskProblem(500, here[0]!, here, settings)
    expect(`${problem?.message} ${wordError(problem!).hint}`).toBe('The image 163481722 needs a disk of at least 500 GB, and size s-1vcpu-2gb has 50 GB. No size in nyc3 has that much: choose another --digitalocean-region or --digitalocean-image.')
  })
})
