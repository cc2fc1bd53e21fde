import {execFileSync} from 'node:child_process'
import {mkdir, mkdtemp, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {ESLint} from 'eslint'
import tseslint from 'typescript-eslint'
import {afterEach, describe, expect, it} from 'vitest'

const root = fileURLToPath(new URL('../../', import.meta.url))

// The project's own eslint.config.js, without the type-aware rules: the snippets below are files that do not
// exist, which the TypeScript project service would refuse, and the boundaries need no types.
const eslint = new ESLint({cwd: root, overrideConfig: [{...tseslint.configs.disableTypeChecked, languageOptions: {parserOptions: {projectService: false, project: null}}}]})

/** The boundary errors ESLint reports for `code` placed at `filePath`, as "rule: message". */
async function boundaryErrors(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(`${code}\n`, {filePath})
  return result!.messages.filter((message) => message.ruleId !== null && /^(@typescript-eslint\/)?no-restricted-(imports|syntax)$/.test(message.ruleId)).map((message) => `${message.ruleId}: ${message.message}`)
}

describe('import boundaries in npm run lint', () => {
  it('keep src/core from the CLI, oclif, named drivers and cloud SDKs, in import statements and in import()', async () => {
    expect(await boundaryErrors('src/core/machine/example.ts', "import {createApp} from '../../cli/app.js'\nexport const x = createApp")).toEqual([expect.stringMatching(/^no-restricted-imports: .*The CLI \(src\/cli\) sits above this code/)])
    expect(await boundaryErrors('src/core/example.ts', "export {default} from '../cli/commands/env.js'")).toEqual([expect.stringMatching(/^no-restricted-imports: .*The CLI/)])
    expect(await boundaryErrors('src/core/machine/example.ts', "import {Command} from '@oclif/core'\nexport const x = Command")).toEqual([expect.stringMatching(/^no-restricted-imports: .*Only src\/cli knows oclif/)])
    expect(await boundaryErrors('src/core/machine/example.ts', "export const qemu = await import('../../../drivers/qemu/index.js')")).toEqual([expect.stringMatching(/^no-restricted-syntax: src\/core knows drivers only through the driver kit's contract/)])
    expect(await boundaryErrors('src/core/example.ts', "import {builtInDrivers} from '../../drivers/index.js'\nexport const x = builtInDrivers")).toEqual([expect.stringMatching(/^no-restricted-imports: .*src\/core knows drivers only/)])
    expect(await boundaryErrors('src/core/engine/example.ts', "import {EC2Client} from '@aws-sdk/client-ec2'\nexport const x = EC2Client")).toEqual([expect.stringMatching(/^no-restricted-imports: .*Cloud SDKs belong to their driver/)])
    // Provisioning and the use cases of several files are closed: their index.ts is the way in from outside the
    // folder, and the module's own files import each other.
    expect(await boundaryErrors('src/core/machine/example.ts', "import {runAsRoot} from '../provision/remote-script.js'\nexport const x = runAsRoot")).toEqual([expect.stringMatching(/^no-restricted-imports: .*A closed module of src\/core/)])
    expect(await boundaryErrors('src/core/upgrade/example.ts', "import {startMachine} from '../power/power.js'\nexport const x = startMachine")).toEqual([expect.stringMatching(/^no-restricted-imports: .*A closed module of src\/core/)])
    expect(await boundaryErrors('src/cli/commands/example.ts', "export const rm = await import('../../core/remove/remove-machine.js')")).toEqual([expect.stringMatching(/^no-restricted-syntax: A closed module of src\/core/)])
    expect(await boundaryErrors('src/cli/example.ts', "import {provisionMachine} from '../core/provision-machine/provision-machine.js'\nexport const x = provisionMachine")).toEqual([expect.stringMatching(/^no-restricted-imports: .*A closed module of src\/core/)])
    expect(await boundaryErrors('src/core/machine/example.ts', "import {provisionHost} from '../provision/index.js'\nexport const x = provisionHost")).toEqual([])
    expect(await boundaryErrors('src/core/upgrade/example.ts', "import {startMachine} from '../power/index.js'\nexport const x = startMachine")).toEqual([])
    expect(await boundaryErrors('src/core/provision/example.ts', "import {runAsRoot} from './remote-script.js'\nexport const x = runAsRoot")).toEqual([])
    expect(await boundaryErrors('src/core/power/example.ts', "import {Deadline} from './deadline.js'\nexport const x = Deadline")).toEqual([])
    // templates/ is read only by the provisioning module.
    expect(await boundaryErrors('src/core/machine/example.ts', "import {join} from 'node:path'\nexport const p = join('templates', 'engine', 'daemon.json')")).toEqual([expect.stringMatching(/^no-restricted-syntax: Only src\/core\/provision reads templates\//)])
    expect(await boundaryErrors('src/cli/example.ts', "export const u = new URL('../../templates/provision/facts.sh', import.meta.url)")).toEqual([expect.stringMatching(/^no-restricted-syntax: Only src\/core\/provision reads templates\//)])
    expect(await boundaryErrors('drivers/qemu/example.ts', "const dir = 'x'\nexport const p = `${dir}/templates/cloud-init/user-data`")).toEqual([expect.stringMatching(/^no-restricted-syntax: Only src\/core\/provision reads templates\//)])
    expect(await boundaryErrors('src/core/provision/example.ts', "import {join} from 'node:path'\nexport const p = join('templates', 'engine', 'daemon.json')")).toEqual([])
    // What core may import: its own driver contract, node, its libraries.
    expect(await boundaryErrors('src/core/machine/example.ts', "import type {Driver} from '../../driver-kit/contract.js'\nimport {Client} from 'ssh2'\nexport type D = Driver\nexport const c = Client")).toEqual([])
  })

  it('keep cloud SDKs and named drivers out of src/cli, and each command module reached only through the command table', async () => {
    expect(await boundaryErrors('src/cli/commands/example.ts', "import {EC2Client} from '@aws-sdk/client-ec2'\nexport const x = EC2Client")).toEqual([expect.stringMatching(/^no-restricted-imports: .*Cloud SDKs/)])
    expect(await boundaryErrors('src/cli/command-table.ts', "import {ComputeManagementClient} from '@azure/arm-compute'\nexport const x = ComputeManagementClient")).toEqual([expect.stringMatching(/^no-restricted-imports: .*Cloud SDKs/)])
    expect(await boundaryErrors('src/cli/example.ts', "export const sdk = await import('digitalocean-js')")).toEqual([expect.stringMatching(/^no-restricted-syntax: Cloud SDKs/)])
    expect(await boundaryErrors('src/cli/example.ts', "import {settingsFromFlags} from '../../drivers/amazonec2/settings.js'\nexport const x = settingsFromFlags")).toEqual([expect.stringMatching(/^no-restricted-imports: .*The CLI reaches drivers through the catalogue/)])
    expect(await boundaryErrors('src/cli/commands/example.ts', "export const d = await import('../../../drivers/none/index.js')")).toEqual([expect.stringMatching(/^no-restricted-syntax: The CLI reaches drivers through the catalogue/)])
    // Only the table imports a command module; a command imports no other command and not the table.
    expect(await boundaryErrors('src/cli/example.ts', "import * as env from './commands/env.js'\nexport const x = env")).toEqual([expect.stringMatching(/^no-restricted-imports: .*Only the command table/)])
    expect(await boundaryErrors('src/cli/help/example.ts', "export const env = await import('../commands/env.js')")).toEqual([expect.stringMatching(/^no-restricted-syntax: Only the command table/)])
    expect(await boundaryErrors('src/cli/commands/example.ts', "import {spec} from './env.js'\nexport const x = spec")).toEqual([expect.stringMatching(/^no-restricted-imports: .*A command module imports no other command/)])
    expect(await boundaryErrors('src/cli/commands/example.ts', "import {commandTable} from '../command-table.js'\nexport const x = commandTable")).toEqual([expect.stringMatching(/^no-restricted-imports: .*A command module imports no other command/)])
    // What a command module is made of: src/cli, src/core and the catalogue of drivers; the table imports the commands.
    expect(await boundaryErrors('src/cli/commands/example.ts', "import {machineName} from '../machine-args.js'\nimport {MachineStore} from '../../core/store/machine-store.js'\nimport {builtInDrivers} from '../../../drivers/index.js'\nexport const x = [machineName, MachineStore, builtInDrivers]")).toEqual([])
    expect(await boundaryErrors('src/cli/command-table.ts', "import * as env from './commands/env.js'\nexport const x = env")).toEqual([])
    expect(await boundaryErrors('src/cli/example.ts', "import {builtInDrivers} from '../../drivers/index.js'\nexport const x = builtInDrivers")).toEqual([])
  })

  it('keep each driver out of the others, the catalogue and the CLI, and its SDK out of its start-up', async () => {
    expect(await boundaryErrors('drivers/qemu/example.ts', "import {vboxManage} from '../virtualbox/vboxmanage.js'\nexport const x = vboxManage")).toEqual([expect.stringMatching(/^no-restricted-imports: .*A driver imports no other driver/)])
    expect(await boundaryErrors('drivers/generic/example.ts', "export * from '../amazonec2/index.js'")).toEqual([expect.stringMatching(/^no-restricted-imports: .*A driver imports no other driver/)])
    expect(await boundaryErrors('drivers/azure/example.ts', "export const other = await import('../digitalocean/api.js')")).toEqual([expect.stringMatching(/^no-restricted-syntax: A driver imports no other driver/)])
    expect(await boundaryErrors('drivers/none/example.ts', "import {builtInDrivers} from '../index.js'\nexport const x = builtInDrivers")).toEqual([expect.stringMatching(/^no-restricted-imports: .*A driver imports no other driver/)])
    expect(await boundaryErrors('drivers/qemu/example.ts', "import {createApp} from '../../src/cli/app.js'\nexport const x = createApp")).toEqual([expect.stringMatching(/^no-restricted-imports: .*The CLI/)])
    // A cloud SDK is loaded when the driver needs it, not with the driver's module.
    expect(await boundaryErrors('drivers/amazonec2/example.ts', "import {EC2Client} from '@aws-sdk/client-ec2'\nexport const x = EC2Client")).toEqual([expect.stringMatching(/^@typescript-eslint\/no-restricted-imports: .*Load a cloud SDK with import\(\)/)])
    // From berth, a driver imports its kit's entry only: no core path, however useful, in a statement or an import().
    expect(await boundaryErrors('drivers/qemu/example.ts', "import {writeMachineKey} from '../../src/core/ssh/keys.js'\nexport const x = writeMachineKey")).toEqual([expect.stringMatching(/^no-restricted-imports: .*A driver imports from berth only its kit, src\/driver-kit\/index.js/)])
    expect(await boundaryErrors('drivers/virtualbox/example.ts', "import type {StoreLayout} from '../../src/core/store/layout.js'\nexport type S = StoreLayout")).toEqual([expect.stringMatching(/^no-restricted-imports: .*A driver imports from berth only its kit/)])
    expect(await boundaryErrors('drivers/generic/example.ts', "import type {Driver} from '../../src/driver-kit/contract.js'\nexport type D = Driver")).toEqual([expect.stringMatching(/^no-restricted-imports: .*A driver imports from berth only its kit/)])
    expect(await boundaryErrors('drivers/azure/example.ts', "export const retry = await import('../../src/driver-kit/retry.js')")).toEqual([expect.stringMatching(/^no-restricted-syntax: A driver imports from berth only its kit/)])
    // The catalogue imports the drivers; the kit itself stays below the CLI and the drivers.
    expect(await boundaryErrors('drivers/index.ts', "import type {DriverSource} from '../src/core/driver-registry/registry.js'\nexport const none = () => import('./none/index.js')\nexport type S = DriverSource")).toEqual([])
    expect(await boundaryErrors('src/driver-kit/example.ts', "import {createApp} from '../cli/app.js'\nexport const x = createApp")).toEqual([expect.stringMatching(/^no-restricted-imports: .*The CLI/)])
    expect(await boundaryErrors('src/driver-kit/example.ts', "export const qemu = await import('../../drivers/qemu/index.js')")).toEqual([expect.stringMatching(/^no-restricted-syntax: src\/core knows drivers only through/)])
    // Its own files, the kit's entry, its SDK's types and its SDK through import() are what a driver is made of.
    expect(await boundaryErrors('drivers/amazonec2/example.ts', "import {settingsFromFlags} from './settings.js'\nimport {BerthError} from '../../src/driver-kit/index.js'\nimport type {EC2Client} from '@aws-sdk/client-ec2'\nexport const sdk = () => import('@aws-sdk/client-ec2')\nexport const x = [settingsFromFlags, BerthError] as unknown as EC2Client")).toEqual([])
  })
})

describe('fixes as data in npm run lint', () => {
  it('refuses a berth command line spelled in src/core or a driver, in a string or a template', async () => {
    const refused: unknown = expect.stringMatching(/^no-restricted-syntax: Name the fix as data/)
    expect(await boundaryErrors('src/core/machine/example.ts', "export const hint = 'Run \"berth ls\" to list machines.'")).toEqual([refused])
    expect(await boundaryErrors('src/core/provision/example.ts', 'export const hint = (name: string) => `Run "berth provision ${name}" to finish it.`')).toEqual([refused])
    expect(await boundaryErrors('drivers/qemu/example.ts', 'export const hint = (name: string) => `Remove it with "berth rm -f ${name}".`')).toEqual([refused])
    // The fix as data passes, and so does berth named in prose.
    expect(await boundaryErrors('src/core/machine/example.ts', "import {prose, run} from '../fix.js'\nexport const hint = (name: string) => prose`Run ${run('provision', name)} to finish it.`")).toEqual([])
    expect(await boundaryErrors('drivers/qemu/example.ts', "export const note = 'berth needs an unencrypted private key.'")).toEqual([])
    // The CLI is where command lines are spelled.
    expect(await boundaryErrors('src/cli/example.ts', "export const hint = 'Run \"berth ls\" to list machines.'")).toEqual([])
  })
})

describe('scripts/check-import-cycles.js', () => {
  let tree: string | undefined
  afterEach(async () => {
    if (tree !== undefined) await rm(tree, {recursive: true, force: true})
    tree = undefined
  })

  /** Writes the files into a fresh directory and runs the checker on it: its exit code and what it printed. */
  async function check(files: Record<string, string>): Promise<{code: number; stderr: string}> {
    tree = await mkdtemp(join(tmpdir(), 'berth-cycles-'))
    for (const [path, text] of Object.entries(files)) {
      await mkdir(dirname(join(tree, path)), {recursive: true})
      await writeFile(join(tree, path), text)
    }
    try {
      execFileSync(process.execPath, [join(root, 'scripts/check-import-cycles.js'), 'src'], {cwd: tree, stdio: 'pipe', encoding: 'utf8'})
      return {code: 0, stderr: ''}
    } catch (error) {
      const failed = error as {status: number; stderr: string}
      return {code: failed.status, stderr: failed.stderr}
    }
  }

  it('fails naming each cycle, static or through import()', async () => {
    const result = await check({
      'src/a.ts': "import {b} from './b.js'\nexport const a = () => b",
      'src/b.ts': "export {a} from './a.js'\nexport const b = 1",
      'src/lazy/c.ts': "export const c = async () => (await import('../lazy/d.js')).d",
      'src/lazy/d.ts': "import {c} from './c.js'\nexport const d = c",
      'src/leaf.ts': "import {a} from './a.js'\nexport const leaf = a",
    })
    expect(result.code).toBe(1)
    expect(result.stderr.trim().split('\n')).toEqual([
      'Import cycle: src/a.ts → src/b.ts → src/a.ts',
      'Import cycle: src/lazy/c.ts → src/lazy/d.ts → src/lazy/c.ts',
      '2 import cycle(s): move what the modules share into a module of its own.',
    ])
  })

  it('names the other modules of a knot that holds more than one cycle', async () => {
    const result = await check({
      'src/a.ts': "import './b.js'",
      'src/b.ts': "import './a.js'\nimport './c.js'",
      'src/c.ts': "import './d.js'",
      'src/d.ts': "import './a.js'",
    })
    expect(result.code).toBe(1)
    expect(result.stderr).toContain('Import cycle: src/a.ts → src/b.ts → src/a.ts (and on longer cycles with it: src/c.ts, src/d.ts)\n1 import cycle(s)')
  })

  it('passes a tree whose only way back is type-only, or only looks like an import', async () => {
    const result = await check({
      'src/a.ts': "import {b} from './b.js'\nexport interface A {b: typeof b}",
      'src/b.ts': [
        "import type {A} from './a.js'",
        "import {type A as Same} from './a.js'",
        "// import {a} from './a.js'",
        "/* export * from './a.js' */",
        "const text = \"import('./a.js')\"",
        'const pattern = /import(\'.\\/a.js\')/',
        'export const b = (x: A, y: Same) => [x, y, text, pattern]',
      ].join('\n'),
    })
    expect(result).toEqual({code: 0, stderr: ''})
  })

  it('finds no cycle in berth itself', () => {
    expect(() => execFileSync(process.execPath, ['scripts/check-import-cycles.js', 'src', 'drivers'], {cwd: root, stdio: 'pipe'})).not.toThrow()
  })
})
