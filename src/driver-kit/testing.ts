/**
 * berth's driver conformance suite (`berth/driver/testing`): what berth expects of every driver, checked by calling
 * the driver as berth does, with a real setup over a directory that stands in for berth's store. A plugin's own test
 * runs it: `expect(await checkDriverConformance(definition, {storeDir, flags})).toEqual([])`.
 */
import {mkdir} from 'node:fs/promises'
import {isDeepStrictEqual} from 'node:util'
import {DEFAULT_ENGINE_PORT} from '../core/engine/engine-url.js'
import {driverSetup} from '../core/driver-registry/driver-setup.js'
import {withFlagDefaults} from '../core/driver-registry/flag-defaults.js'
import {DRIVER_NAME} from '../core/driver-registry/registry.js'
import {BerthError, errorMessage} from '../core/errors.js'
import {validateMachineName} from '../core/machine-name.js'
import {StoreLayout, STORE_NAMES} from '../core/store/layout.js'
import type {Prose} from '../core/fix.js'
import type {ResourceRecord} from '../core/store/schema.js'
import {LIFECYCLE_OPERATIONS, lifecycleOf, type Driver, type DriverDefinition, type DriverFlag, type DriverSetup, type FlagValues, type MachineState, type OperationContext} from './contract.js'

export interface TestSetupOptions {
  /** A directory that stands in for berth's store (a temporary one): the machine's directory, shared state and image cache go under it. */
  storeDir: string
  machineName?: string
  env?: NodeJS.ProcessEnv
  /** What setup.secret() answers, by flag name (berth's answer: the flag's variable, else what was typed at create). */
  secrets?: Readonly<Record<string, string>>
  enginePort?: number
}

/** A DriverSetup as berth makes it, over a stand-in store: for calling a driver from a test. */
export function testDriverSetup(definition: Pick<DriverDefinition, 'name' | 'flags'>, options: TestSetupOptions): DriverSetup {
  const setup = driverSetup(new StoreLayout(options.storeDir), options.machineName ?? 'conformance', options.env ?? {}, definition as DriverDefinition, options.enginePort ?? DEFAULT_ENGINE_PORT)
  const secrets = options.secrets
  return secrets === undefined ? setup : {...setup, secret: (flagName) => secrets[flagName]}
}

/** An OperationContext that keeps what the driver records, says it removed and prints; SSH is refused unless given. */
export function testOperationContext(options: {signal?: AbortSignal; connectSsh?: OperationContext['connectSsh']} = {}): {ctx: OperationContext; records: ResourceRecord[]; removed: ResourceRecord[]; progress: Prose[]} {
  const records: ResourceRecord[] = []
  const removed: ResourceRecord[] = []
  const progress: Prose[] = []
  const ctx: OperationContext = {
    signal: options.signal ?? new AbortController().signal,
    record: async (resource) => {
      records.push(resource)
    },
    removed: (resource) => removed.push(resource),
    progress: (line) => progress.push(line),
    meter: () => {},
    connectSsh: options.connectSsh ?? (() => Promise.reject(new Error('this test gives the driver no SSH connection'))),
  }
  return {ctx, records, removed, progress}
}

export interface ConformanceOptions extends TestSetupOptions {
  /** The create flags for a new machine, as a user would give them (berth adds each flag's default). */
  flags: FlagValues
  /** Flags that keep a name without the driver's prefix (a built-in driver keeping Docker Machine's names). */
  unprefixedFlags?: readonly string[]
  /**
   * Whether to call what reaches the driver's backend: remove() of a machine never made, twice, and state() after.
   * Default true; false where the backend (a cloud, a hypervisor) is not there.
   */
  backend?: boolean
  /** Bounds every call (default 60 s). */
  timeoutMs?: number
}

/** What fits beside the driver's name in `create --help` on an 80-column terminal. */
const MAX_DESCRIPTION = 64
const FLAG_TYPES = new Set(['string', 'integer', 'boolean', 'string-array'])
const STATES: ReadonlySet<MachineState> = new Set(['Running', 'Stopped', 'Starting', 'Stopping', 'Paused', 'Saved', 'Error', 'NotFound'])
const REQUIRED = ['preCreateCheck', 'create', 'remove', 'state', 'address', 'dockerUrl', 'sshEndpoint', 'toState'] as const

/**
 * Check a driver definition against berth's contract, and return what is wrong (empty when nothing is): its shape
 * (name, flags prefixed by the name, capabilities as data), fromFlags → toState → load → toState giving the same
 * state, no secret in that state, lifecycle calls that are methods or absent, and, with its backend, that remove()
 * of a machine never made succeeds twice and state() then says NotFound (or, for an existing host, a state).
 */
export async function checkDriverConformance(definition: DriverDefinition, options: ConformanceOptions): Promise<string[]> {
  const problems: string[] = []
  const problem = (text: string): void => {
    problems.push(text)
  }
  const signal = AbortSignal.timeout(options.timeoutMs ?? 60_000)
  checkShape(definition, options, problem)
  if (problems.length > 0) return problems

  try {
    const health = await definition.probe()
    if (typeof health?.healthy !== 'boolean' || typeof health.installed !== 'boolean') problem('probe() returns no {installed, healthy} report')
  } catch (error) {
    problem(`probe() throws (${errorMessage(error)}); it reports problems in its answer instead`)
  }

  const setup = testDriverSetup(definition, options)
  await mkdir(setup.machineDir, {recursive: true})
  const values = withFlagDefaults(definition.flags, options.flags)
  let driver: Driver
  try {
    driver = definition.fromFlags(values, setup)
  } catch (error) {
    return [...problems, `fromFlags() throws for the given flags: ${errorMessage(error)}`]
  }
  checkDriver(driver, 'fromFlags()', problem)

  const state = driver.toState()
  const secrets = definition.flags.filter((flag) => flag.secret === true).map((flag) => values[flag.name] ?? options.secrets?.[flag.name]).filter((value): value is string => typeof value === 'string' && value.length >= 4)
  if (!isDeepStrictEqual(JSON.parse(JSON.stringify(state)) as unknown, state)) problem('toState() is not plain JSON: it changes through JSON.stringify and back')
  if (secrets.some((secret) => JSON.stringify(state).includes(secret))) problem('toState() holds the value of a secret flag; berth never writes credentials into config.json')

  let loaded: Driver | undefined
  try {
    loaded = definition.load(JSON.parse(JSON.stringify(state)) as Record<string, unknown>, setup)
  } catch (error) {
    problem(`load() throws for what toState() returned: ${errorMessage(error)}`)
  }
  if (loaded !== undefined) {
    checkDriver(loaded, 'load()', problem)
    if (!isDeepStrictEqual(loaded.toState(), state)) problem('load(toState()).toState() differs from toState(): a stored machine would not be the machine that was made')
    if (!isDeepStrictEqual(lifecycleOf(loaded), lifecycleOf(driver))) problem('the drivers of fromFlags() and load() have different lifecycle methods')
  }

  if (options.backend !== false && loaded !== undefined) {
    const {ctx} = testOperationContext({signal})
    for (const attempt of ['first', 'second']) {
      try {
        await loaded.remove(ctx, [])
      } catch (error) {
        problem(`remove() of a machine that was never made fails (${attempt} call): ${errorMessage(error)}`)
      }
    }
    try {
      const after = await loaded.state(signal)
      if (!STATES.has(after)) problem(`state() returns ${JSON.stringify(after)}, which is not a machine state`)
      else if (definition.capabilities.existingHost !== true && after !== 'NotFound') problem(`state() of a machine that was never made (or was removed) is ${after}, not NotFound`)
    } catch (error) {
      const unreachable = definition.capabilities.existingHost === true && error instanceof BerthError && error.code === 'host-unreachable'
      if (!unreachable) problem(`state() of a machine that was never made throws (${errorMessage(error)}); it returns NotFound instead`)
    }
  }
  return problems
}

function checkShape(definition: DriverDefinition, options: ConformanceOptions, problem: (text: string) => void): void {
  const {name} = definition
  if (typeof name !== 'string' || !DRIVER_NAME.test(name)) problem(`its name ${JSON.stringify(name)} is not lower-case letters, digits and dashes`)
  else if (STORE_NAMES.has(name)) problem(`its name "${name}" is one berth's store uses itself`)
  if (typeof definition.description !== 'string' || definition.description.trim() === '') problem('it has no description')
  else if (definition.description.includes('\n') || definition.description.length > MAX_DESCRIPTION) problem(`its description is not one line of at most ${MAX_DESCRIPTION} characters (help lists it beside the name)`)
  for (const method of ['probe', 'fromFlags', 'load'] as const) {
    if (typeof definition[method] !== 'function') problem(`it has no ${method}() function`)
  }
  if (!Array.isArray(definition.flags)) {
    problem('it declares no flags list')
    return
  }
  const seen = new Set<string>()
  for (const flag of definition.flags as readonly DriverFlag[]) {
    if (!DRIVER_NAME.test(flag.name)) problem(`its flag ${JSON.stringify(flag.name)} is not a valid flag name`)
    if (seen.has(flag.name)) problem(`it declares --${flag.name} twice`)
    seen.add(flag.name)
    if (!flag.name.startsWith(`${name}-`) && !(options.unprefixedFlags ?? []).includes(flag.name)) problem(`its flag --${flag.name} does not start with "${name}-"`)
    if (!FLAG_TYPES.has(flag.type)) problem(`its flag --${flag.name} has an unknown type ${JSON.stringify(flag.type)}`)
    if (typeof flag.description !== 'string' || flag.description === '') problem(`its flag --${flag.name} has no description`)
    if (flag.default !== undefined && !defaultFits(flag.type, flag.default)) problem(`its flag --${flag.name} has a default that is not a ${flag.type}`)
    if (flag.secret === true && flag.default !== undefined) problem(`its secret flag --${flag.name} has a default; a credential is never declared in code`)
    if (flag.defaultHelp !== undefined && (typeof flag.defaultHelp !== 'string' || flag.default !== undefined)) problem(`its flag --${flag.name} has a defaultHelp that is not text, or a default as well (help shows the default itself)`)
  }
  checkExample(definition, problem)
  const capabilities = definition.capabilities as unknown as Record<string, unknown> | undefined
  if (typeof capabilities !== 'object' || capabilities === null) {
    problem('it declares no capabilities')
    return
  }
  for (const key of ['stableAddress', 'serialOperations', 'provisions'] as const) {
    if (typeof capabilities[key] !== 'boolean') problem(`capabilities.${key} is not true or false`)
  }
  if (capabilities.existingHost !== undefined && typeof capabilities.existingHost !== 'boolean') problem('capabilities.existingHost is not true, false or absent')
  if (capabilities.defaultRank !== undefined && !Number.isFinite(capabilities.defaultRank)) problem('capabilities.defaultRank is not a number')
  if (capabilities.lifecycle !== undefined) problem('capabilities.lifecycle is declared; berth reads which lifecycle calls exist from the driver\'s methods')
}

/** Its example, shown by `create -d NAME --help`: the driver's own flags and a machine name berth accepts. */
function checkExample(definition: DriverDefinition, problem: (text: string) => void): void {
  const {example} = definition
  if (example === undefined) {
    problem('it gives no example (a create command line, shown in its help)')
    return
  }
  const own = new Set(definition.flags.map((flag) => flag.name))
  for (const arg of example.args) {
    const flag = /^--([^=]+)/.exec(arg)?.[1]
    if (flag !== undefined && !own.has(flag)) problem(`its example passes --${flag}, which is not one of its flags`)
  }
  try {
    validateMachineName(example.machine)
  } catch (error) {
    problem(`its example's machine name is not one berth accepts: ${errorMessage(error)}`)
  }
}

function checkDriver(driver: Driver, from: string, problem: (text: string) => void): void {
  for (const method of REQUIRED) {
    if (typeof driver[method] !== 'function') problem(`the driver from ${from} has no ${method}() method`)
  }
  for (const method of LIFECYCLE_OPERATIONS) {
    const kind = typeof driver[method]
    if (kind !== 'undefined' && kind !== 'function') problem(`the driver from ${from} has a ${method} that is not a method (leave it out when the driver cannot ${method})`)
  }
}

function defaultFits(type: string, value: unknown): boolean {
  if (type === 'string') return typeof value === 'string'
  if (type === 'integer') return Number.isInteger(value)
  if (type === 'boolean') return typeof value === 'boolean'
  return Array.isArray(value) && value.every((item) => typeof item === 'string')
}
