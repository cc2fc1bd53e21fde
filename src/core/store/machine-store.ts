import {mkdir, readdir, readFile, rm} from 'node:fs/promises'
import {MachineConfigError, MachineExistsError, MachineNotFoundError, MachineUnreadableError, errorMessage} from '../errors.js'
import {validateMachineName} from '../machine-name.js'
import {DIR_MODE, ensureDir, writeFileAtomic} from './files.js'
import type {StoreLayout} from './layout.js'
import {withLock} from './lock.js'
import {MachineConfig, migrateConfig, parseConfig} from './schema.js'
import {StorePathError, storeProblem} from './store-problem.js'

/** One entry of the store: a machine that loads, or the reason it does not. */
export type MachineEntry = {name: string; config: MachineConfig; error?: undefined} | {name: string; config?: undefined; error: string}

/** The machines of one store. Reads take no lock (writes are atomic); every write holds the machine's lock. */
export class MachineStore {
  constructor(readonly layout: StoreLayout) {}

  /** Names of the machine directories, in byte order. A store that does not exist yet has none. */
  async names(): Promise<string[]> {
    try {
      const entries = await readdir(this.layout.machinesDir, {withFileTypes: true})
      return entries.filter((entry) => entry.isDirectory() && !entry.name.startsWith('.')).map((entry) => entry.name).sort()
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return []
      throw await storeProblem(this.layout, this.layout.machinesDir, error)
    }
  }

  /** Every machine, loaded; one that cannot be loaded is returned with the reason instead of failing the list. */
  async list(): Promise<MachineEntry[]> {
    const names = await this.names()
    return Promise.all(names.map(async (name): Promise<MachineEntry> => {
      try {
        return {name, config: await this.load(name)}
      } catch (error) {
        return {name, error: errorMessage(error)}
      }
    }))
  }

  async exists(name: string): Promise<boolean> {
    return (await this.names()).includes(name)
  }

  async load(name: string): Promise<MachineConfig> {
    validateMachineName(name)
    const path = this.layout.machine(name).config
    let text: string
    try {
      text = await readFile(path, 'utf8')
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code
      if (code === 'ENOENT' && !(await this.exists(name))) throw new MachineNotFoundError(name)
      if (code === 'ENOENT') throw new MachineConfigError(name, 'config.json is missing', {kind: 'remove'})
      const problem = await storeProblem(this.layout, path, error)
      if (!(problem instanceof StorePathError)) throw problem
      if (problem.fix.kind === 'access') throw new MachineUnreadableError(name, sentenceOf(problem.message), problem.fix)
      throw new MachineConfigError(name, sentenceOf(problem.message), problem.fix)
    }
    let raw: unknown
    try {
      raw = JSON.parse(text)
    } catch (error) {
      throw new MachineConfigError(name, `config.json is not valid JSON (${errorMessage(error)})`, {kind: 'edit', path})
    }
    const migrated = migrateConfig(raw)
    if (!migrated.ok) {
      const fix = migrated.dockerMachine === true ? {kind: 'import', store: this.layout.root} as const : {kind: migrated.newer === true ? 'upgrade' : 'none'} as const
      throw new MachineConfigError(name, migrated.reason, fix)
    }
    const config = parseConfig(migrated.config)
    if (typeof config === 'string') throw new MachineConfigError(name, config, {kind: 'edit', path})
    if (config.name !== name) throw new MachineConfigError(name, `config.json names the machine "${config.name}"`, {kind: 'none'})
    return config
  }

  /**
   * Reserve a new machine directory and write its first config. The directory is made with a plain mkdir,
   * which fails for every process but one when several create the same name at once.
   */
  async create(config: MachineConfig): Promise<void> {
    validateMachineName(config.name)
    const dir = this.layout.machine(config.name).dir
    await ensureDir(this.layout.machinesDir).catch(async (error: unknown) => {
      throw await storeProblem(this.layout, this.layout.machinesDir, error)
    })
    try {
      await mkdir(dir, {mode: DIR_MODE})
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw new MachineExistsError(config.name)
      throw await storeProblem(this.layout, dir, error)
    }
    try {
      await this.save(config)
    } catch (error) {
      // Give the name back: a reserved directory without a config would block every later create of it.
      await rm(dir, {recursive: true, force: true})
      throw error
    }
  }

  /** Write a machine's config atomically under its lock. */
  async save(config: MachineConfig): Promise<void> {
    validateMachineName(config.name)
    const machine = this.layout.machine(config.name)
    await withLock(machine.lock, () => writeFileAtomic(machine.config, `${JSON.stringify(config, null, 2)}\n`))
  }

  /** Load, change and save one machine's config as one step, so concurrent updates never lose each other's changes. */
  async update(name: string, change: (config: MachineConfig) => MachineConfig | Promise<MachineConfig>): Promise<MachineConfig> {
    validateMachineName(name)
    // Taking the lock creates the machine's directory, so a missing machine must be refused before it.
    if (!(await this.exists(name))) throw new MachineNotFoundError(name)
    const machine = this.layout.machine(name)
    return withLock(machine.lock, async () => {
      const next = await change(await this.load(name))
      await writeFileAtomic(machine.config, `${JSON.stringify(next, null, 2)}\n`)
      return next
    })
  }

  /** Delete a machine's directory and everything in it. */
  async remove(name: string): Promise<void> {
    validateMachineName(name)
    await rm(this.layout.machine(name).dir, {recursive: true, force: true})
  }
}

/** A message as the middle of another sentence: without its full stop. */
function sentenceOf(message: string): string {
  return message.replace(/\.$/, '')
}
