import {readFile, writeFile} from 'node:fs/promises'
import {join} from 'node:path'
import {pathToFileURL} from 'node:url'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {BerthSandbox} from '../harness/berth.js'

/**
 * A command run through oclif loads its own module and no other command's (the table holds stand-ins), and ssh2
 * only when it opens a connection: what keeps every non-lean command's start-up to what it uses.
 */
describe('what a command run through oclif loads', () => {
  let sandbox: BerthSandbox
  let log: string
  let register: string

  beforeAll(async () => {
    sandbox = await BerthSandbox.create()
    log = join(sandbox.dir, 'loads.log')
    const hooks = join(sandbox.dir, 'hooks.mjs')
    register = join(sandbox.dir, 'register.mjs')
    await writeFile(hooks, `import {appendFileSync} from 'node:fs'
export async function resolve(specifier, context, next) {
  const resolved = await next(specifier, context)
  const command = /\\/dist\\/src\\/cli\\/commands\\/([\\w-]+)\\.js$/.exec(resolved.url)
  if (command !== null) appendFileSync(${JSON.stringify(log)}, 'command ' + command[1] + '\\n')
  if (specifier === 'ssh2') appendFileSync(${JSON.stringify(log)}, 'ssh2\\n')
  return resolved
}
`)
    await writeFile(register, `import {register} from 'node:module'\nregister(${JSON.stringify(pathToFileURL(hooks).href)})\n`)
  })

  afterAll(async () => {
    await sandbox.dispose()
  })

  async function loads(args: readonly string[]): Promise<string[]> {
    await writeFile(log, '')
    await sandbox.run(args, {env: {NODE_OPTIONS: `--import ${register}`}})
    return (await readFile(log, 'utf8')).split('\n').filter(Boolean).sort()
  }

  it('runs a command with its module alone, and without ssh2 until a connection is opened', async () => {
    expect(await loads(['stop', 'nosuch'])).toEqual(['command stop'])
    expect(await loads(['rm', '-y', 'nosuch'])).toEqual(['command rm'])
    expect(await loads(['ssh', 'nosuch'])).toEqual(['command ssh'])
    expect(await loads(['create', '-d', 'none', '--url', 'tcp://127.0.0.1:9', 'x', '--nosuch-flag'])).toEqual(['command create'])
  })

  it('shows help and refuses an unknown command from the manifest, loading no command module', async () => {
    expect(await loads(['stop', '--help'])).toEqual([])
    expect(await loads(['create', '--help'])).toEqual([])
    expect(await loads(['nosuch-command'])).toEqual([])
  })

  it('still gives each command its flags: an unknown one is refused, a known one taken', async () => {
    const refused = await sandbox.run(['stop', '--nosuch', 'm'])
    expect(refused.code).toBe(1)
    expect(refused.stderr).toMatch(/Nonexistent flag: --nosuch/)
    const taken = await sandbox.run(['stop', '--timeout', '5', 'nosuch'])
    expect(taken.stderr).toMatch(/Machine "nosuch" does not exist/)
  })

  it('prints no warning of Node or of a dependency on either start-up path, on the Node it runs on', async () => {
    const created = await sandbox.run(['create', '-d', 'none', '--url', 'tcp://127.0.0.1:9', 'quiet'])
    expect(created.code, created.stderr).toBe(0)
    for (const args of [['ls'], ['env', 'quiet'], ['inspect', 'quiet'], ['drivers'], ['--help'], ['create', '--help'], ['stop', 'quiet'], ['plugins'], ['rm', '-y', 'quiet']]) {
      const result = await sandbox.run(args)
      expect(result.stderr, args.join(' ')).not.toMatch(/DeprecationWarning|ExperimentalWarning|\(node:\d+\)/)
    }
  })
})
