/* eslint-disable no-control-regex -- the terminal's escape codes are what this file checks */
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {BerthSandbox} from '../harness/berth.js'
import {busyboxTarball} from '../harness/busybox-image.js'
import {dockerViaEnv} from '../harness/docker-via-env.js'
import {InstallServer} from '../harness/install-server.js'
import {finalScreen} from '../harness/screen.js'
import {TestHostPool, type TestHost} from '../hosts/index.js'

const ESCAPE = /\u001b\[/

// create -d generic on a real host, seen through a pseudo-terminal (util-linux's script): each step redrawn in place
// with a spinner, ending as a green ✔; under NO_COLOR, --no-color and in a pipe, plain lines, one per step end.
describe('progress on a terminal and in a log', () => {
  let sandbox: BerthSandbox
  let pool: TestHostPool
  let host: TestHost
  let scripts: InstallServer | undefined

  beforeAll(async () => {
    sandbox = await BerthSandbox.create()
    pool = new TestHostPool()
    host = await pool.up('prog1', {init: 'systemd'})
  })

  afterAll(async () => {
    await scripts?.close()
    await pool?.dispose()
    await sandbox?.dispose()
  })

  it('draws each step in place with a spinner and its time, and ends it as a green ✔', async () => {
    const created = await sandbox.runInTerminal(['create', '-d', 'generic', '--generic-ip-address', host.ip, '--generic-ssh-key', host.privateKeyPath, 'p1'], '', {TERM: 'xterm-256color'})
    expect(created.code).toBe(0)
    // Redrawn in place: a carriage return and "clear to the end of the screen" before each frame.
    expect(created.stdout).toContain('\r\u001b[J')
    expect(created.stdout).toMatch(/[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏]\u001b\[22m Waiting for SSH on /)
    expect(created.stdout).toContain('\u001b[32m✔\u001b[39m Running pre-create checks \u001b[2m(')
    const shown = finalScreen(created.stdout)
    expect(shown).toContainEqual(expect.stringMatching(/^✔ Detecting the operating system \(\d+\.\ds\)$/))
    expect(shown).toContainEqual(expect.stringMatching(/^✔ Starting the Docker engine \(\d+\.\ds\)$/))
    // generic makes no host: there is no "Creating machine" step to show.
    expect(created.stdout).not.toContain('Creating machine')
    // Every step ended: no spinner is left on the screen.
    expect(shown.join('\n')).not.toMatch(/[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏]/)
  })

  it('shows an error in red with its ✘ ended first', async () => {
    const failed = await sandbox.runInTerminal(['provision', '--engine-opt', 'no-such-option=1', 'p1'], '', {TERM: 'xterm-256color'})
    expect(failed.code).not.toBe(0)
    expect(failed.stdout).toContain('\u001b[31m✘\u001b[39m')
    const shown = finalScreen(failed.stdout)
    expect(shown.at(-1)).toMatch(/^Error: /)
    expect(shown.at(-2)).toMatch(/^✘ /)
    expect(failed.stdout).toContain('\u001b[31mError:\u001b[39m')
  })

  for (const [how, options] of [
    ['NO_COLOR', {env: {NO_COLOR: '1'}, flags: []}],
    ['--no-color', {env: {}, flags: ['--no-color']}],
  ] as const) {
    it(`gives plain lines on a terminal under ${how}, one per step end, without escape codes`, async () => {
      const provisioned = await sandbox.runInTerminal(['provision', ...options.flags, 'p1'], '', {TERM: 'xterm-256color', ...options.env})
      expect(provisioned.code).toBe(0)
      expect(provisioned.stdout).not.toMatch(ESCAPE)
      const lines = provisioned.stdout.split('\r\n').filter(Boolean)
      expect(lines).toContainEqual(expect.stringMatching(/^Detecting the operating system: done \(\d+\.\ds\)$/))
      expect(lines.filter((line) => line.startsWith('Detecting the operating system'))).toHaveLength(1)
    })
  }

  it('gives plain lines in a pipe', async () => {
    const provisioned = await sandbox.run(['provision', 'p1'])
    expect(provisioned.code).toBe(0)
    expect(provisioned.stderr).not.toMatch(ESCAPE)
    expect(provisioned.stderr).not.toContain('\r')
    expect(provisioned.stderr.split('\n').filter((line) => line.startsWith('Detecting the operating system'))).toEqual([expect.stringMatching(/: done \(\d+\.\ds\)$/)])
  })

  it('shows the latest line of a remote script dimmed under its step, and in a log as a line, passwords hidden', async () => {
    scripts = await InstallServer.start(host.gateway, {
      '/install.sh': {text: '#!/bin/sh\necho "fetching https://builder:s3cret@packages.invalid/engine"\nsleep 1\necho "Setting up the engine"\nsleep 1\n'},
      '/slow.sh': {text: '#!/bin/sh\necho "downloading"\nsleep 60\n'},
    })
    expect((await sandbox.run(['provision', '--engine-install-url', scripts.url('/install.sh'), 'p1'])).code).toBe(0)
    const drawn = await sandbox.runInTerminal(['upgrade', '-y', 'p1'], '', {TERM: 'xterm-256color'})
    expect(drawn.code).toBe(0)
    expect(drawn.stdout).toContain('\n  \u001b[2mSetting up the engine\u001b[22m')
    expect(drawn.stdout).toContain('fetching https://builder:***@packages.invalid/engine')
    expect(drawn.stdout).not.toContain('s3cret')
    expect(finalScreen(drawn.stdout).join('\n')).not.toContain('Setting up the engine')
    const logged = await sandbox.run(['upgrade', '-y', 'p1'])
    expect(logged.code).toBe(0)
    expect(logged.stderr).toContain('\n  fetching https://builder:***@packages.invalid/engine\n')
    expect(logged.stderr).not.toContain('s3cret')
  })

  it('says how many running containers an engine restart waits for', async () => {
    const image = await busyboxTarball()
    try {
      expect((await dockerViaEnv(sandbox, 'p1', ['import', '-c', 'CMD ["/bin/sh"]', image.path, 'busybox:local'])).code).toBe(0)
    } finally {
      await image.remove()
    }
    const ran = await dockerViaEnv(sandbox, 'p1', ['run', '-d', '--stop-timeout', '1', 'busybox:local', '/bin/busybox', 'sleep', '86400'])
    expect(ran.stderr).toBe('')
    const relabelled = await sandbox.run(['provision', '--engine-label', 'stage=test', 'p1'])
    expect(relabelled.code).toBe(0)
    expect(relabelled.stderr).toMatch(/\n {2}waiting for 1 running container to stop\nStarting the Docker engine: done/)
  })

  it('ends the running step as ✘ on its own line, then the error, when Ctrl-C stops it', async () => {
    expect((await sandbox.run(['provision', '--engine-install-url', scripts!.url('/slow.sh'), 'p1'])).code).toBe(0)
    // Ctrl-C typed into the terminal a few seconds in, while the install script runs.
    const line = `node ${process.cwd()}/bin/run.cjs upgrade -y p1`
    const stopped = await sandbox.sh(`(sleep 6; printf '\\003') | script -qec '${line}' /dev/null`, {TERM: 'xterm-256color'})
    const shown = finalScreen(stopped.stdout)
    expect(shown.at(-2)).toMatch(/^✘ Running the install script .* \(\d+\.\ds\)$/)
    expect(shown.at(-1)).toMatch(/^Error: /)
  })
})
