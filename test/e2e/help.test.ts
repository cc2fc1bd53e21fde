import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {commandTable} from '../../src/cli/command-table.js'
import {BerthSandbox} from '../harness/berth.js'

const BUILT_IN_DRIVERS = ['amazonec2', 'azure', 'digitalocean', 'generic', 'none', 'qemu', 'virtualbox']

/** The lines of one section of a help text: from its heading to the next blank line followed by a heading. */
function section(help: string, heading: string): string[] {
  const lines = help.split('\n')
  const start = lines.indexOf(heading)
  if (start === -1) return []
  const end = lines.findIndex((line, index) => index > start && /^[A-Z][A-Z ]+$/.test(line))
  return lines.slice(start + 1, end === -1 ? undefined : end).filter((line) => line !== '')
}

/** Help as a person reads it in an 80-column terminal (what berth assumes without one). */
describe('help', () => {
  let sandbox: BerthSandbox

  beforeAll(async () => {
    sandbox = await BerthSandbox.create()
  })

  afterAll(async () => {
    await sandbox?.dispose()
  })

  async function help(args: readonly string[]): Promise<string> {
    const result = await sandbox.run(args, {env: {COLUMNS: '80'}})
    expect({args, code: result.code, stderr: result.stderr}).toEqual({args, code: 0, stderr: ''})
    return result.stdout
  }

  it('create --help fits 60 lines: shared flags, one line per driver, how to see a driver\'s flags, generic first', async () => {
    const text = await help(['create', '--help'])
    expect(text.split('\n').length).toBeLessThanOrEqual(60)
    expect(section(text, 'DRIVERS').map((line) => line.trim().split(/\s+/)[0])).toEqual([...BUILT_IN_DRIVERS, 'See'])
    expect(text).toMatch(/^ {2}generic +An existing Linux server reachable over SSH\.$/m)
    expect(text).toContain('See a driver\'s flags: berth create -d DRIVER --help')
    expect(text).toMatch(/^ {6}--engine-opt=FLAG=VALUE\.\.\. /m)
    // No driver's flags but in the examples.
    expect(text.split('\n').filter((line) => /^\s+--(generic|amazonec2|azure|digitalocean|qemu|virtualbox)-/.test(line))).toEqual([])
    expect(section(text, 'EXAMPLES')[0]).toMatch(/^ {2}\$ berth create -d generic --generic-ip-address \S+ .* web1$/)
  })

  it('create -d generic --help lists generic\'s flags with their defaults and variables, and its example', async () => {
    const text = await help(['create', '-d', 'generic', '--help'])
    expect(text).toMatch(/^ {2}\$ berth create -d generic \[FLAGS\] \[GENERIC DRIVER FLAGS\] NAME$/m)
    expect(section(text, 'GENERIC DRIVER FLAGS').join('\n')).toMatch(/--generic-ssh-port=<value> +SSH port\. \[default: 22\] \[env: GENERIC_SSH_PORT\]/)
    expect(section(text, 'GENERIC DRIVER FLAGS').join('\n')).toMatch(/--generic-ssh-user=<value> +SSH user[^[]+\[default: root\] \[env:\s+GENERIC_SSH_USER\]/)
    // A default the driver works out when it runs is shown in the same layout.
    expect(section(text, 'GENERIC DRIVER FLAGS').join('\n')).toMatch(/--generic-ssh-key=<value> +Private key for SSH\.\s+\[default: ~\/\.ssh\/id_ed25519 or ~\/\.ssh\/id_rsa\]\s+\[env: GENERIC_SSH_KEY\]/)
    expect(text).toContain('--engine-install-url=URL')
    expect(text).not.toContain('--amazonec2-')
    expect(section(text, 'EXAMPLES')).toEqual(['  $ berth create -d generic --generic-ip-address 203.0.113.10 --generic-ssh-user ubuntu web1'])
  })

  it('gives each driver its own example, and no empty default, in its help', async () => {
    for (const driver of BUILT_IN_DRIVERS) {
      const text = await help(['create', '-d', driver, '--help'])
      expect(section(text, 'EXAMPLES'), driver).toEqual([expect.stringMatching(new RegExp(`^ {2}\\$ berth create -d ${driver} .+ [a-z][a-z0-9-]*$`))])
      expect(text, driver).not.toMatch(/\[default: *[\],]/)
    }
  })

  it('shows every command with examples, defaults in one layout, never an empty default, and the global flags only named', async () => {
    for (const name of Object.keys(commandTable)) {
      const command = name.replaceAll(':', ' ')
      const text = await help([...command.split(' '), '--help'])
      expect(section(text, 'EXAMPLES').length, command).toBeGreaterThan(0)
      expect(section(text, 'EXAMPLES').join('\n'), command).toContain(`berth ${command}`)
      expect(text, command).not.toMatch(/\[default: *[\],]/)
      expect(text, command).not.toMatch(/\[default: [^\]]*, env: /)
      const globals = section(text, 'GLOBAL FLAGS')
      if (globals.length > 0) {
        expect(globals.length, command).toBeLessThanOrEqual(2)
        expect(globals.join(' '), command).toMatch(/--storage-path, --debug, .*: see "berth --help"\.$/)
      }
      expect(text, command).not.toContain('[env: BERTH_TLS_CA_CERT]')
    }
  })

  it('describes the global flags once, in berth --help', async () => {
    const text = await help(['--help'])
    const globals = section(text, 'GLOBAL FLAGS').join('\n')
    expect(globals).toMatch(/-s, --storage-path=<value> +Where berth keeps machines and certificates\.\s+\[default: ~\/\.berth\] \[env: BERTH_STORAGE_PATH\]/)
    expect(globals).toContain('[env: BERTH_TLS_CA_CERT]')
    expect(globals).not.toMatch(/--json|bugsnag|github|native-ssh/)
    expect(text.split('[env: BERTH_DEBUG]').length).toBe(2)
  })
})
