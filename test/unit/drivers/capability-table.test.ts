import {mkdir, mkdtemp, readFile, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {builtInDrivers} from '../../../drivers/index.js'
import {withFlagDefaults} from '../../../src/core/driver-registry/flag-defaults.js'
import {hostRemoval, type HostRemoval} from '../../../src/core/remove/removal-effect.js'
import {lifecycleOf, type DriverDefinition} from '../../../src/driver-kit/contract.js'
import {testDriverSetup} from '../../../src/driver-kit/testing.js'
import {repoRoot} from '../../harness/berth.js'
import {builtInDriverCases} from '../../harness/driver-cases.js'

const RM_CELL: Record<HostRemoval, string> = {
  deleted: 'deletes the host',
  left: 'leaves the host; `--clean-host` puts its engine configuration back',
  'left-cleaned': 'leaves the host; `--clean-host` puts its engine configuration back',
  'record-only': 'forgets the machine; the engine is left as it is',
}

/** The rows of the table under "## Which drivers do what" in docs/provisioning.md, cells trimmed. */
async function documentedRows(): Promise<string[][]> {
  const doc = await readFile(join(repoRoot, 'docs', 'provisioning.md'), 'utf8')
  const section = doc.split('\n## Which drivers do what\n')[1]!.split('\n## ')[0]!
  return section.split('\n').filter((line) => line.startsWith('| `')).map((line) => line.slice(1, -1).split(' | ').map((cell) => cell.trim()))
}

// docs/provisioning.md says which commands work with which driver: the table is what the drivers' own capabilities
// and methods make true, so a driver that gains or loses one changes the table or fails here.
describe('the table of what each driver supports', () => {
  let storeDir: string

  beforeAll(async () => {
    storeDir = await mkdtemp(join(tmpdir(), 'berth-capabilities-'))
  })

  afterAll(async () => {
    await rm(storeDir, {recursive: true, force: true})
  })

  it('is what each built-in driver can do', async () => {
    const cases = await builtInDriverCases()
    const rows = await Promise.all(builtInDrivers.map(async (source) => {
      const definition = await source.load() as DriverDefinition
      const options = {...cases[source.name]!, storeDir, machineName: `t-${source.name}`}
      const setup = testDriverSetup(definition, options)
      await mkdir(setup.machineDir, {recursive: true})
      const lifecycle = lifecycleOf(definition.fromFlags(withFlagDefaults(definition.flags, options.flags), setup))
      const mark = (can: boolean): string => (can ? 'yes' : '—')
      const {provisions} = definition.capabilities
      return [`\`${source.name}\``, mark(provisions), mark(provisions), mark(lifecycle.start), mark(lifecycle.stop), mark(lifecycle.restart), mark(lifecycle.kill), RM_CELL[hostRemoval(definition.capabilities, {cleanHost: false})]]
    }))
    expect(await documentedRows()).toEqual(rows)
  })
})
