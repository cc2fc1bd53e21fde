import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {BerthSandbox} from '../harness/berth.js'
import {freeLoopbackPort} from '../harness/free-port.js'

/**
 * A mistyped command: berth names it, suggests the command it likely meant with the arguments as typed, on a
 * terminal and off it, exits 127, and never runs a command that changes anything because Enter was pressed.
 */
describe('a mistyped command', () => {
  let sandbox: BerthSandbox

  beforeAll(async () => {
    sandbox = await BerthSandbox.create()
    const created = await sandbox.run(['create', '-d', 'none', '--url', `tcp://127.0.0.1:${await freeLoopbackPort()}`, 'ux2'])
    expect(created.code, created.stderr).toBe(0)
  })

  afterAll(async () => {
    await sandbox?.dispose()
  })

  async function machines(): Promise<string> {
    return (await sandbox.run(['ls', '-q'])).stdout
  }

  it('is named, with the command it meant and its arguments, off a terminal', async () => {
    const cases: [string[], string][] = [
      [['rmm', 'ux2'], 'Error: "rmm" is not a berth command. Did you mean "berth rm ux2"?\n'],
      [['rm-', 'ux2'], 'Error: "rm-" is not a berth command. Did you mean "berth rm ux2"?\n'],
      [['creat', 'ux9'], 'Error: "creat" is not a berth command. Did you mean "berth create ux9"?\n'],
      [['sttus', 'ux2'], 'Error: "sttus" is not a berth command. Did you mean "berth status ux2"?\n'],
      [['deploy', 'ux2'], 'Error: "deploy" is not a berth command. Run "berth help" for the list of commands.\n'],
    ]
    for (const [args, stderr] of cases) {
      const result = await sandbox.run(args)
      expect({args, code: result.code, stdout: result.stdout, stderr: result.stderr}).toEqual({args, code: 127, stdout: '', stderr})
    }
    expect(await machines()).toBe('ux2\n')
  })

  it('is never run on Enter on a terminal when the command it meant changes anything', async () => {
    for (const typo of ['rmm', 'rm-']) {
      const result = await sandbox.runInTerminal([typo, 'ux2'], '\n')
      expect(result.stdout).toContain(`Error: "${typo}" is not a berth command. Did you mean "berth rm ux2"?`)
      expect(result.stdout).not.toMatch(/\[y\/N\]|\[Y\/n\]/)
      expect(result.code).toBe(127)
    }
    const create = await sandbox.runInTerminal(['creat', 'ux9'], 'y\n')
    expect(create.stdout).toContain('Error: "creat" is not a berth command. Did you mean "berth create ux9"?')
    expect(create.code).toBe(127)
    expect(await machines()).toBe('ux2\n')
  })

  it('may be run on a terminal when the command it meant only reads, if the answer is yes; no is the default', async () => {
    const declined = await sandbox.runInTerminal(['sttus', 'ux2'], '\n')
    expect(declined.stdout).toContain('"sttus" is not a berth command.')
    expect(declined.stdout).toContain('Run "berth status ux2" instead? [y/N]')
    expect(declined.code).toBe(127)
    const accepted = await sandbox.runInTerminal(['lss', '-q'], 'y\n')
    expect(accepted.stdout.split('[y/N]')[1]).toMatch(/^ y\s+ux2\s*$/)
    expect(accepted.code).toBe(0)
  })
})
