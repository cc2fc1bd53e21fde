import {setTimeout as sleep} from 'node:timers/promises'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {BerthSandbox} from '../harness/berth.js'
import {busyboxTarball} from '../harness/busybox-image.js'
import {proveDockerWorks} from '../harness/docker-via-env.js'
import {enginePackageFiles, startEngineInstallServer} from '../harness/engine-install.js'
import type {InstallServer} from '../harness/install-server.js'
import {TestHostPool} from '../hosts/index.js'

describe('provisioning that has to install, or to recover', () => {
  let sandbox: BerthSandbox
  let pool: TestHostPool
  let image: Awaited<ReturnType<typeof busyboxTarball>>
  let server: InstallServer | undefined

  beforeAll(async () => {
    sandbox = await BerthSandbox.create()
    pool = new TestHostPool()
    image = await busyboxTarball()
  })

  afterAll(async () => {
    await server?.close()
    await pool?.dispose()
    await image?.remove()
    await sandbox?.dispose()
  })

  it('a host without docker: the engine comes from --engine-install-url, served on the test network', async () => {
    const host = await pool.up('pr-bare', {init: 'systemd', withoutDocker: true})
    expect((await host.exec('command -v dockerd containerd runc || true')).stdout).toBe('')
    expect(await enginePackageFiles()).toEqual(expect.arrayContaining(['/usr/sbin/dockerd', '/usr/bin/containerd', '/usr/sbin/runc', '/lib/systemd/system/docker.service']))
    server = (await startEngineInstallServer(host.gateway)).server

    const created = await sandbox.run(['create', '-d', 'generic', '--generic-ip-address', host.ip, '--generic-ssh-key', host.privateKeyPath,
      '--engine-install-url', server.url('/install.sh'), 'r-install'])
    expect(created.stderr).not.toMatch(/^Error/m)
    expect(created.code).toBe(0)
    expect(created.stderr).toMatch(/^Installing the Docker engine: done/m)
    expect(server.requests).toEqual(['/install.sh', '/engine.tar'])
    expect((await host.exec('command -v dockerd')).stdout).toBe('/usr/sbin/dockerd\n')
    await proveDockerWorks(sandbox, 'r-install', image.path)
  })

  it('SSH cut in the middle of provisioning: `berth provision` converges', async () => {
    // A host whose engine already runs with its distribution's settings, the case where a stopped
    // provisioning leaves the most behind: berth's configuration written, the old engine still running.
    const host = await pool.up('pr-cut', {init: 'sysv', startDocker: true})
    const enginePid = (await host.exec('pidof dockerd')).stdout.trim()
    // The engine restart is held on the host, so the connection is cut at a known point.
    await host.exec('mv /usr/sbin/service /usr/sbin/service.real && printf \'#!/bin/sh\\ntouch /run/berth-test-held\\nexec sleep 300\\n\' > /usr/sbin/service && chmod 755 /usr/sbin/service')
    const creating = sandbox.run(['create', '-d', 'generic', '--generic-ip-address', host.ip, '--generic-ssh-key', host.privateKeyPath, '--keep-on-failure', 'r-cut'])
    for (let tries = 0; (await host.exec('test -e /run/berth-test-held')).code !== 0; tries++) {
      expect(tries).toBeLessThan(300)
      await sleep(100)
    }
    // The cut: no more SSH, the session's processes gone (the held command with them).
    await host.stopSsh()
    // (Anchored patterns: this command's own shell must not match.)
    await host.exec('pkill -f "^sshd: "; pkill -f "^sleep 300$"; mv /usr/sbin/service.real /usr/sbin/service')
    const created = await creating
    expect(created.code).not.toBe(0)
    expect(created.stderr).toMatch(/^Error: Provisioning failed at step "engine\.restart" \(Starting the Docker engine\): SSH on root@[\d.]+ failed: /m)
    expect(created.stderr).toContain('Finish it with "berth provision r-cut"')
    // The configuration is on the host, and the engine that runs predates it.
    expect((await host.exec('grep -c tlsverify /etc/default/docker')).stdout.trim()).toBe('1')
    expect((await host.exec('pidof dockerd')).stdout.trim()).toBe(enginePid)

    await host.startSsh()
    const provisioned = await sandbox.run(['provision', '--debug', 'r-cut'])
    expect(provisioned.stderr).not.toMatch(/^Error/m)
    expect(provisioned.code).toBe(0)
    // Nothing to upload again; the engine restarts because it predates berth's files.
    expect(provisioned.stderr).not.toContain('upload ')
    expect(provisioned.stderr).toMatch(/^\[debug\] host: Debian GNU\/Linux 12 \(bookworm\) \(Debian\), init sysvinit, dockerd \/usr\/sbin\/dockerd, running true, changed since it started: .*\/etc\/default\/docker/m)
    expect(provisioned.stderr).toContain('Starting the Docker engine: done')
    expect((await host.exec('pidof dockerd')).stdout.trim()).not.toBe(enginePid)
    await proveDockerWorks(sandbox, 'r-cut', image.path)
    // And it stays converged.
    const again = await sandbox.run(['provision', 'r-cut'])
    expect(again.code).toBe(0)
    expect(again.stderr).not.toContain('Starting the Docker engine')
  })
})
