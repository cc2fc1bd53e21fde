import {expect} from 'vitest'
import {shellJoin} from '../../src/core/ssh/shell-quote.js'
import type {BerthSandbox, RunResult} from './berth.js'

/** The real docker CLI, pointed at a machine the way users do it: eval "$(berth env NAME)", then docker ARGS. */
export function dockerViaEnv(sandbox: BerthSandbox, machine: string, args: readonly string[]): Promise<RunResult> {
  return sandbox.sh(`eval "$($BERTH env ${machine})" && docker ${shellJoin(args)}`)
}

/**
 * The user's proof that a machine works: `docker version` reaches its engine, an image imported from a busybox
 * tarball (no registry on the test network) lands there, and `docker run` of it prints what it was told to.
 * Returns the engine's version.
 */
export async function proveDockerWorks(sandbox: BerthSandbox, machine: string, busyboxTar: string): Promise<string> {
  const version = await dockerViaEnv(sandbox, machine, ['version', '--format', '{{.Server.Version}}'])
  expect(version.stderr).toBe('')
  expect(version.code).toBe(0)
  expect(version.stdout.trim()).toMatch(/^\d+\.\d+/)
  const image = `busybox-${machine}:local`
  const imported = await dockerViaEnv(sandbox, machine, ['import', '-c', 'CMD ["/bin/sh"]', busyboxTar, image])
  expect(imported.stderr).toBe('')
  expect(imported.code).toBe(0)
  const ran = await dockerViaEnv(sandbox, machine, ['run', '--rm', image, 'sh', '-c', 'echo "hello from $(hostname -s) on ${0}"', machine])
  expect(ran.stderr).toBe('')
  expect(ran.code).toBe(0)
  expect(ran.stdout).toMatch(new RegExp(`^hello from [0-9a-f]{12} on ${machine}\\n$`))
  return version.stdout.trim()
}
