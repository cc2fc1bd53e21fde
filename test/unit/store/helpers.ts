import {mkdtemp, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {CONFIG_VERSION, MachineConfig} from '../../../src/core/store/schema.js'

/** The repository root, found from this file's own location (test/unit/store/). */
export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url))

/** A fresh private directory for one test; `cleanup` removes it. */
export async function tempDir(prefix = 'berth-store-'): Promise<{path: string; cleanup: () => Promise<void>}> {
  const path = await mkdtemp(join(tmpdir(), prefix))
  return {path, cleanup: () => rm(path, {recursive: true, force: true})}
}

/** A complete, valid machine configuration. */
export function sampleConfig(name: string, overrides: Partial<MachineConfig> = {}): MachineConfig {
  return {
    version: CONFIG_VERSION,
    name,
    createdAt: '2026-01-02T03:04:05.000Z',
    driver: {name: 'none', state: {url: 'tcp://10.0.0.5:2376'}},
    engine: {
      installUrl: 'https://get.docker.com',
      port: 2376,
      opts: [],
      env: [],
      labels: ['provider=none'],
      insecureRegistries: [],
      registryMirrors: [],
    },
    auth: {sans: []},
    resources: [],
    ...overrides,
  }
}

/** The permission bits of a stat result. */
export function permissions(mode: number): number {
  return mode & 0o777
}
