import {mkdir, symlink, writeFile} from 'node:fs/promises'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {BerthSandbox, repoRoot, runProcess} from '../harness/berth.js'
import {freeLoopbackPort} from '../harness/free-port.js'

/**
 * Tab completion in real interactive bash, zsh and fish (each in a pseudo-terminal from util-linux's script), set up
 * with the line README gives for that shell: a partial word, Tab, then the completed line is handed to a function that
 * prints it. Machines come from the sandbox's store, drivers and their flags from berth and a linked plugin.
 */
describe('shell completion', () => {
  let sandbox: BerthSandbox
  let env: NodeJS.ProcessEnv

  /** Typed, then Tab: the line the shell must have completed it to. */
  const CASES: [string, string][] = [
    ['berth ssh u', 'berth ssh ux2'],
    ['berth rm ux2 w', 'berth rm ux2 wz7'],
    ['berth scp w', 'berth scp wz7:'],
    ['berth regen', 'berth regenerate-certs'],
    ['berth create -d dig', 'berth create -d digitalocean'],
    ['berth create -d fix', 'berth create -d fixture'],
    ['berth create -d generic --generic-ssh-u', 'berth create -d generic --generic-ssh-user'],
    ['berth create -d fixture --fixture-l', 'berth create -d fixture --fixture-label'],
    ['berth env --shell fi', 'berth env --shell fish'],
    ['berth ls --filter sw', 'berth ls --filter swarm='],
  ]

  beforeAll(async () => {
    sandbox = await BerthSandbox.create()
    const bin = join(sandbox.dir, 'bin')
    await mkdir(bin)
    await symlink(join(repoRoot, 'bin', 'run.cjs'), join(bin, 'berth'))
    env = {...sandbox.env, PATH: `${bin}:${sandbox.env.PATH}`, TERM: 'dumb'}
    const url = `tcp://127.0.0.1:${await freeLoopbackPort()}`
    for (const name of ['ux2', 'wz7']) {
      const created = await sandbox.run(['create', '-d', 'none', '--url', url, name])
      expect(created.code, created.stderr).toBe(0)
    }
    const linked = await sandbox.run(['plugins', 'link', join(repoRoot, 'test', 'fixtures', 'berth-driver-fixture'), '--no-install'])
    expect(linked.code, linked.stderr).toBe(0)
  })

  afterAll(async () => {
    await sandbox?.dispose()
  })

  /** Types each case, Tab, then Ctrl-A and `shown ` before it, and Enter: `shown` prints the line as completed. */
  async function typeInto(shellCommand: string): Promise<string> {
    const input = `${CASES.map(([typed]) => `${typed}\t\u0001shown \n`).join('')}exit\n`
    const result = await runProcess('script', ['-qec', shellCommand, '/dev/null'], env, input, 60_000)
    return result.stdout
  }

  function expectCompleted(output: string): void {
    const completed = [...output.matchAll(/completed:(.*?)\s*\r?$/gm)].map((match) => match[1])
    expect(completed).toEqual(CASES.map(([, line]) => line))
  }

  it('completes in bash, installed with `berth completion bash >> ~/.bashrc`', async () => {
    const installed = await runProcess('bash', ['-c', 'berth completion bash >> ~/.bashrc && echo \'shown() { echo "completed:$*"; }\' >> ~/.bashrc'], env)
    expect(installed.code, installed.stderr).toBe(0)
    expectCompleted(await typeInto('bash -i'))
  })

  it('completes in zsh, installed with `source <(berth completion zsh)` after compinit', async () => {
    await writeFile(join(sandbox.dir, '.zshrc'), 'autoload -U compinit && compinit -u\nsource <(berth completion zsh)\nshown() { echo "completed:$*" }\n')
    expectCompleted(await typeInto('zsh -i'))
  })

  it('completes in fish, installed with `berth completion fish > …/fish/completions/berth.fish`', async () => {
    const fishDir = join(env.XDG_CONFIG_HOME!, 'fish')
    await mkdir(join(fishDir, 'completions'), {recursive: true})
    const installed = await runProcess('bash', ['-c', `berth completion fish > ${fishDir}/completions/berth.fish`], env)
    expect(installed.code, installed.stderr).toBe(0)
    await writeFile(join(fishDir, 'config.fish'), 'function shown; echo "completed:$argv"; end\n')
    expectCompleted(await typeInto('fish -i'))
  })

  it('writes a PowerShell completer that asks berth __complete, whose lines are a value and a tab-separated description', async () => {
    // PowerShell is not installed where these tests run: the script's shape and what it reads are checked.
    const script = await sandbox.run(['completion', 'powershell'])
    expect(script.code).toBe(0)
    expect(script.stdout).toContain("Register-ArgumentCompleter -Native -CommandName 'berth' -ScriptBlock {")
    expect(script.stdout).toContain("& 'berth' __complete @words")
    expect(script.stdout).toContain("-split \"`t\", 2")
    const commands = await sandbox.run(['__complete', 're'])
    expect(commands.stdout).toMatch(/^regenerate-certs\t\S.*\nrestart\t\S.*\n$/)
    expect((await sandbox.run(['__complete', 'ssh', ''])).stdout).toBe('ux2\nwz7\n')
  })

  it('refuses a shell it has no script for', async () => {
    const result = await sandbox.run(['completion', 'tcsh'])
    expect(result.code).toBe(1)
    expect(result.stderr).toBe('Error: berth has no completion for "tcsh": it has one for bash, zsh, fish, powershell.\n')
  })
})
