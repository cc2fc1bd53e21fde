import {execFile} from 'node:child_process'
import {existsSync} from 'node:fs'
import {mkdtemp, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {dirname, join, resolve} from 'node:path'
import {fileURLToPath} from 'node:url'
import {STATE_DIR_ENV, loadWorld, paths, readOptional, type Fault, type World} from './state.js'

export {STATE_DIR_ENV, type Fault, type World} from './state.js'

const here = dirname(fileURLToPath(import.meta.url))
/** The launcher in the source tree (from here, or from dist/test/...); it runs the compiled simulator under dist/. */
export const VBOXMANAGE_BIN = existsSync(join(here, 'bin/VBoxManage')) ? join(here, 'bin/VBoxManage') : resolve(here, '../../../../test/simulators/vboxmanage/bin/VBoxManage')

export interface Call {
  argv: string[]
  exitCode: number
  pid: number
  at: string
}

export interface Result {
  code: number
  stdout: string
  stderr: string
}

/** A VBoxManage simulator over a fresh state directory, for one test file. */
export interface VBoxSimulator {
  dir: string
  bin: string
  /** The environment a process needs to reach this simulator's state. */
  env: NodeJS.ProcessEnv
  run(...args: string[]): Promise<Result>
  world(): Promise<World>
  calls(): Promise<Call[]>
  /** Adds failures to inject (faults.json); `call` counts every call of the subcommand since the start. */
  inject(...faults: Fault[]): Promise<void>
  /** Writes the networks.conf the simulator reads instead of /etc/vbox/networks.conf. */
  networksConf(text: string): Promise<void>
  /** The named VMs (or '*') ignore `controlvm acpipowerbutton`. */
  ignoreAcpi(...names: string[]): Promise<void>
  remove(): Promise<void>
}

export async function makeVBoxSimulator(): Promise<VBoxSimulator> {
  const dir = await mkdtemp(join(tmpdir(), 'berth-vbox-sim-'))
  const env = {...process.env, [STATE_DIR_ENV]: dir}
  const files = paths(dir)
  return {
    dir,
    bin: VBOXMANAGE_BIN,
    env,
    run: (...args) => new Promise((done) => {
      execFile(VBOXMANAGE_BIN, args, {env}, (error, stdout, stderr) => {
        done({code: error ? Number((error as {code?: number}).code ?? 1) : 0, stdout, stderr})
      })
    }),
    world: () => loadWorld(dir),
    calls: async () => ((await readOptional(files.calls)) ?? '').split('\n').filter(Boolean).map((line) => JSON.parse(line) as Call),
    inject: async (...faults) => {
      const existing = JSON.parse((await readOptional(files.faults)) ?? '[]') as Fault[]
      await writeFile(files.faults, JSON.stringify([...existing, ...faults]))
    },
    networksConf: (text) => writeFile(files.networksConf, text),
    ignoreAcpi: (...names) => writeFile(files.acpiIgnore, `${names.join('\n')}\n`),
    remove: () => rm(dir, {recursive: true, force: true}),
  }
}

export {startVBoxBacking, type BackingAnswer, type BackingRequest, type VBoxBacking} from './backing.js'
