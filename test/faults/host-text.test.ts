import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {BerthSandbox, type RunResult} from '../harness/berth.js'
import {TestHostPool, type TestHost} from '../hosts/index.js'

/**
 * What a host says of itself reaches the terminal harmless: an /etc/os-release whose names carry terminal escapes
 * (a colour, a cleared screen, a carriage return that fakes a line) is shown with those characters spelled out, in
 * the error for a system berth cannot provision and in the progress that names the system.
 */

const ESC = '\u001b'
// eslint-disable-next-line no-control-regex
const RAW_CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/

function osRelease(fields: Record<string, string>): string {
  return Object.entries(fields).map(([key, value]) => `${key}="${value}"`).join('\n') + '\n'
}

describe('an /etc/os-release with terminal escapes, on a real host', () => {
  let sandbox: BerthSandbox
  let pool: TestHostPool
  let host: TestHost

  beforeAll(async () => {
    sandbox = await BerthSandbox.create()
    pool = new TestHostPool()
    host = await pool.up('bi-osrel', {init: 'sysv'})
  })

  afterAll(async () => {
    await pool?.dispose()
    await sandbox?.dispose()
  })

  const create = (name: string, ...extra: string[]): Promise<RunResult> => sandbox.run([
    'create', '-d', 'generic', '--generic-ip-address', host.ip, '--generic-ssh-key', host.privateKeyPath, ...extra, name,
  ])
  /** Write the host's os-release as its owner could, through the real file (a link into /usr/lib on Debian). */
  const writeOsRelease = async (text: string): Promise<void> => {
    const written = await host.exec(`cat > "$(readlink -f /etc/os-release)" <<'BERTH_EOF'\n${text}BERTH_EOF`)
    expect(written.code, written.stderr).toBe(0)
  }

  it('refuses a system berth cannot provision in one line, its name shown with the escapes spelled out', async () => {
    await writeOsRelease(osRelease({ID: `${ESC}[31mevil`, PRETTY_NAME: `${ESC}[2J${ESC}[HEvil OS\r${ESC}[32mMachine x is ready`}))
    const result = await create('evil')
    expect(result.code).toBe(1)
    expect(result.stderr).not.toMatch(RAW_CONTROL)
    const errors = result.stderr.split('\n').filter((line) => line.startsWith('Error'))
    expect(errors).toEqual([expect.stringMatching(/^Error: Provisioning failed at step "os\.detect" \(Detecting the operating system\): The host runs "\\x1b\[2J\\x1b\[HEvil OS\\r\\x1b\[32mMachine x is ready", which berth cannot provision\. Supported: /)])
    // Nothing was set up for it: no machine, and the host's engine configuration untouched.
    expect((await sandbox.run(['ls', '-q'])).stdout).toBe('')
    expect((await host.exec('ls -A /etc/docker')).stdout).toBe('')
  })

  it('provisions a Debian that paints its name, showing the name spelled out in the progress', async () => {
    await writeOsRelease(osRelease({ID: 'debian', VERSION_ID: '12', PRETTY_NAME: `${ESC}]0;pwned${ESC}\\${ESC}[1;31mDebian${ESC}[0m\r${ESC}[K12`}))
    const result = await create('painted', '--debug')
    expect(result.code, result.stderr).toBe(0)
    expect(result.stderr).not.toMatch(RAW_CONTROL)
    expect(result.stderr).toContain('[debug] host: \\x1b]0;pwned\\x1b\\\\x1b[1;31mDebian\\x1b[0m\\r\\x1b[K12 (Debian), init sysvinit')
    const ls = await sandbox.run(['ls'])
    expect(ls.stdout).toMatch(/^painted\s+-\s+generic\s+Running\s+tcp:\/\/\S+:2376\s+v\S+\s*$/m)
    expect(ls.stdout).not.toMatch(RAW_CONTROL)
  })
})
