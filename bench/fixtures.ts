/**
 * Bench tool: stores of N `none` machines, each in a sandbox of its own (store, docker config, HOME) under the
 * bench's temp dir, never the user's. The first machine of every store is made by the real CLI
 * (`berth create -d none --url URL m1`); the others through the same core function create calls (createMachine,
 * with the built-in driver registry and the docker context store), which is much faster than one process each.
 * sameAsCli() proves the two kinds of machine are alike, file for file.
 */
import {execFile} from 'node:child_process'
import {copyFile, lstat, mkdir, readdir, readFile} from 'node:fs/promises'
import {join, relative} from 'node:path'
import {isDeepStrictEqual} from 'node:util'
import {builtInDrivers} from '../drivers/index.js'
import {defaultCertificatePaths, ensureStoreCertificates} from '../src/core/certs/store-certificates.js'
import {DockerContextStore, contextId} from '../src/core/client/docker-context.js'
import {DriverRegistry} from '../src/core/driver-registry/registry.js'
import {createMachine} from '../src/core/create/create-machine.js'
import {engineOptions} from '../src/core/provision-machine/index.js'
import {sandboxEnv} from '../test/harness/berth.js'
import {silentReporter} from '../src/core/reporter.js'
import {StoreLayout} from '../src/core/store/layout.js'
import {MachineStore} from '../src/core/store/machine-store.js'

export const repoRoot = new URL('../../', import.meta.url)
export const berthBin = new URL('bin/run.cjs', repoRoot).pathname

/** The user berth sees; the CA's organisation is derived from it, as with the CLI. */
const USER = 'bench'
const CREATE_CONCURRENCY = 8

export interface Sandbox {
  dir: string
  storePath: string
  dockerConfig: string
  env: NodeJS.ProcessEnv
}

/** A sandbox like the tests' BerthSandbox: only PATH is taken from the bench's environment. */
export async function makeSandbox(dir: string): Promise<Sandbox> {
  const env = sandboxEnv(dir, USER)
  await mkdir(dir, {recursive: true, mode: 0o700})
  return {dir, storePath: env.BERTH_STORAGE_PATH!, dockerConfig: env.DOCKER_CONFIG!, env}
}

/** The store's CA and client certificate, made as the first `berth create` makes them (USER=bench). */
export async function bootstrapCertificates(sandbox: Sandbox): Promise<{caCert: string; caKey: string}> {
  const layout = new StoreLayout(sandbox.storePath)
  const paths = defaultCertificatePaths(layout)
  await ensureStoreCertificates(layout, paths, {organization: USER})
  return {caCert: paths.caCert, caKey: paths.caKey}
}

/** Give another store the same CA and client certificate, so one set of engines serves every store. */
export async function shareCertificates(from: Sandbox, to: Sandbox): Promise<void> {
  const source = new StoreLayout(from.storePath)
  const target = new StoreLayout(to.storePath)
  await mkdir(target.certsDir, {recursive: true, mode: 0o700})
  for (const file of ['caCert', 'caKey', 'clientCert', 'clientKey'] as const) await copyFile(source[file], target[file])
}

export interface RunResult {
  code: number
  stdout: string
  stderr: string
}

/** `berth ARGS` in the sandbox, to completion. */
export function runBerth(sandbox: Sandbox, args: readonly string[]): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [berthBin, ...args], {env: sandbox.env, maxBuffer: 64 * 1024 * 1024, timeout: 120_000}, (error, stdout, stderr) => {
      resolve({code: error === null ? 0 : typeof error.code === 'number' ? error.code : 1, stdout, stderr})
    })
    child.stdin?.end()
  })
}

/** Machines m1..mN pointing at urls[0..N-1]: m1 by the CLI, the rest through createMachine. */
export async function populateStore(sandbox: Sandbox, urls: readonly string[]): Promise<void> {
  const created = await runBerth(sandbox, ['create', '-d', 'none', '--url', urls[0]!, 'm1'])
  if (created.code !== 0) throw new Error(`berth create m1 failed (exit ${created.code}): ${created.stderr}`)

  const layout = new StoreLayout(sandbox.storePath)
  const deps = {
    store: new MachineStore(layout),
    registry: new DriverRegistry(builtInDrivers),
    certificates: defaultCertificatePaths(layout),
    contexts: new DockerContextStore(sandbox.env),
    reporter: silentReporter,
    env: sandbox.env,
    signal: new AbortController().signal,
  }
  const pending = urls.slice(1).map((url, index) => ({url, name: `m${index + 2}`}))
  const worker = async (): Promise<void> => {
    for (let next = pending.shift(); next !== undefined; next = pending.shift()) {
      await createMachine({
        name: next.name,
        driver: 'none',
        driverFlags: {url: next.url},
        engine: engineOptions('none', {}),
        sans: [],
        keepOnFailure: false,
      }, deps)
    }
  }
  await Promise.all(Array.from({length: CREATE_CONCURRENCY}, worker))
}

/**
 * Throws unless the machine made through createMachine is what `berth create` made: the same files with the same
 * modes, the same certificate copies, the same config.json and docker context apart from name, time and URL.
 */
export async function sameAsCli(sandbox: Sandbox, cliName: string, coreName: string): Promise<void> {
  const layout = new StoreLayout(sandbox.storePath)
  const describe = async (name: string): Promise<unknown> => {
    const machine = layout.machine(name)
    const config = JSON.parse(await readFile(machine.config, 'utf8')) as {endpoint: {url: string; address: string}}
    const {url, address} = config.endpoint
    const normalise = (text: string): unknown => JSON.parse(text.replaceAll(`"${name}"`, '"<name>"')
      .replaceAll(`berth machine ${name}"`, 'berth machine <name>"')
      .replaceAll(url, '<url>')
      .replaceAll(`"${address}"`, '"<address>"')
      .replace(/"createdAt":\s*"[^"]*"/, '"createdAt":"<time>"')) as unknown
    const contextMeta = join(sandbox.dockerConfig, 'contexts', 'meta', contextId(name))
    const contextTls = join(sandbox.dockerConfig, 'contexts', 'tls', contextId(name))
    return {
      files: await tree(machine.dir),
      pems: await contents(machine.dir, ['ca.pem', 'cert.pem', 'key.pem']),
      config: normalise(await readFile(machine.config, 'utf8')),
      contextFiles: {meta: await tree(contextMeta), tls: await tree(contextTls)},
      contextMeta: normalise(await readFile(join(contextMeta, 'meta.json'), 'utf8')),
      contextPems: await contents(join(contextTls, 'docker'), ['ca.pem', 'cert.pem', 'key.pem']),
    }
  }
  const [cli, core] = await Promise.all([describe(cliName), describe(coreName)])
  const differences = differingPaths(cli, core)
  if (differences.length > 0) {
    throw new Error(`the fixture machine ${coreName} differs from ${cliName}, made by berth create, in:\n${differences.join('\n')}`)
  }
  const storePems = await contents(new StoreLayout(sandbox.storePath).certsDir, ['ca.pem', 'cert.pem', 'key.pem'])
  if (!isDeepStrictEqual((cli as {pems: unknown}).pems, storePems)) throw new Error(`${cliName}'s certificates are not copies of the store's`)
}

/** "path: a | b" for every leaf where the two differ. */
function differingPaths(a: unknown, b: unknown, path = ''): string[] {
  if (isDeepStrictEqual(a, b)) return []
  if (typeof a === 'object' && a !== null && typeof b === 'object' && b !== null && Array.isArray(a) === Array.isArray(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)])
    return [...keys].flatMap((key) => differingPaths((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key], `${path}/${key}`))
  }
  const show = (value: unknown): string => JSON.stringify(value)?.slice(0, 120) ?? 'absent'
  return [`${path}: ${show(a)} | ${show(b)}`]
}

/** Relative path -> octal mode of everything under dir. */
async function tree(dir: string): Promise<Record<string, string>> {
  const result: Record<string, string> = {}
  const walk = async (current: string): Promise<void> => {
    for (const entry of await readdir(current, {withFileTypes: true})) {
      const path = join(current, entry.name)
      result[relative(dir, path) + (entry.isDirectory() ? '/' : '')] = ((await lstat(path)).mode & 0o7777).toString(8)
      if (entry.isDirectory()) await walk(path)
    }
  }
  result['./'] = ((await lstat(dir)).mode & 0o7777).toString(8)
  await walk(dir)
  return result
}

async function contents(dir: string, names: readonly string[]): Promise<Record<string, string>> {
  return Object.fromEntries(await Promise.all(names.map(async (name) => [name, await readFile(join(dir, name), 'utf8')] as const)))
}
