import {BerthError} from '../errors.js'
import {mapProseText} from '../fix.js'
import type {ResourceRecord} from '../store/schema.js'
import {LIFECYCLE_OPERATIONS, type Driver, type DriverDefinition, type DriverFlag, type DriverSetup, type MachineState, type OperationContext, type SshEndpoint} from '../../driver-kit/contract.js'

/** Shorter values cannot be told apart from ordinary ones (a port, a region), so they are not searched for. */
const MIN_SECRET_LENGTH = 4
const REDACTED = '<redacted>'

/**
 * A definition whose drivers cannot put the values of their secret flags into config.json (toState, recorded
 * resources) or into progress lines. The driver contract forbids it; this makes a driver that forgets fail
 * loudly before anything is written, instead of leaking a credential to disk.
 */
export function guardSecrets(definition: DriverDefinition): DriverDefinition {
  const secretFlags = definition.flags.filter((flag) => flag.secret === true)
  if (secretFlags.length === 0) return definition
  const guard = (driver: Driver, secrets: readonly Secret[]): Driver => (secrets.length === 0 ? driver : new SecretGuardedDriver(definition.name, driver, secrets))
  const stored = (setup: DriverSetup): Secret[] => secretValues(secretFlags, (flag) => [setup.secret(flag.name)])
  const queryStates = definition.queryStates?.bind(definition)
  const describeResource = definition.describeResource?.bind(definition)
  const fromDockerMachine = definition.fromDockerMachine?.bind(definition)
  // Delegating, not spreading: a definition may be a class instance whose methods live on its prototype.
  return {
    name: definition.name,
    description: definition.description,
    ...(definition.example === undefined ? {} : {example: definition.example}),
    flags: definition.flags,
    capabilities: definition.capabilities,
    probe: () => definition.probe(),
    fromFlags: (values, setup) => {
      const given = (flag: DriverFlag): unknown[] => [...[values[flag.name]].flat(), flag.env === undefined ? undefined : setup.env[flag.env]]
      return guard(definition.fromFlags(values, setup), secretValues(secretFlags, given))
    },
    load: (state, setup) => guard(definition.load(state, setup), stored(setup)),
    ...(describeResource === undefined ? {} : {describeResource}),
    ...(fromDockerMachine === undefined ? {} : {
      fromDockerMachine: (host, setup) => {
        const adopted = fromDockerMachine(host, setup)
        return {...adopted, driver: guard(adopted.driver, secretValues(secretFlags, (flag) => [adopted.secrets?.[flag.name]]))}
      },
    }),
    ...(queryStates === undefined ? {} : {
      queryStates: async (machines, signal) => {
        try {
          return await queryStates(machines, signal)
        } catch (error) {
          throw redactError(error, machines.flatMap((machine) => stored(machine.setup)))
        }
      },
    }),
  }
}

interface Secret {
  flag: string
  value: string
}

function secretValues(flags: readonly DriverFlag[], candidatesOf: (flag: DriverFlag) => unknown[]): Secret[] {
  const secrets: Secret[] = []
  for (const flag of flags) {
    for (const value of candidatesOf(flag)) {
      if (typeof value === 'string' && value.length >= MIN_SECRET_LENGTH) secrets.push({flag: flag.name, value})
    }
  }
  return secrets
}

function redact(text: string, secrets: readonly Secret[]): string {
  return secrets.reduce((result, secret) => result.split(secret.value).join(REDACTED), text)
}

/**
 * A driver's error may quote what it was given; the user sees the message, so the credential goes. An error
 * whose message cannot be replaced (a DOMException such as the AbortError of Ctrl-C) is passed on as it is
 * when it holds no secret, and otherwise replaced by a plain Error with the redacted text.
 */
function redactError(error: unknown, secrets: readonly Secret[]): unknown {
  if (!(error instanceof Error)) return error
  const message = redact(error.message, secrets)
  const stack = error.stack === undefined ? undefined : redact(error.stack, secrets)
  if (message === error.message && stack === error.stack) return error
  try {
    error.message = message
    if (stack !== undefined) error.stack = stack
    return error
  } catch {
    const copy = new Error(message)
    copy.name = error.name
    if (stack !== undefined) copy.stack = stack
    return copy
  }
}

class SecretGuardedDriver implements Driver {
  // Only the lifecycle calls the driver has: which exist is what it can do.
  declare start?: (ctx: OperationContext) => Promise<void>
  declare stop?: (ctx: OperationContext) => Promise<void>
  declare restart?: (ctx: OperationContext) => Promise<void>
  declare kill?: (ctx: OperationContext) => Promise<void>

  constructor(private readonly driverName: string, private readonly inner: Driver, private readonly secrets: readonly Secret[]) {
    for (const operation of LIFECYCLE_OPERATIONS) {
      const call = inner[operation]?.bind(inner)
      if (call !== undefined) this[operation] = (ctx) => this.redacting(() => call(this.context(ctx)))
    }
  }

  preCreateCheck(ctx: OperationContext): Promise<void> {
    return this.redacting(() => this.inner.preCreateCheck(this.context(ctx)))
  }

  create(ctx: OperationContext): Promise<void> {
    return this.redacting(() => this.inner.create(this.context(ctx)))
  }

  remove(ctx: OperationContext, resources: readonly ResourceRecord[]): Promise<void> {
    return this.redacting(() => this.inner.remove(this.context(ctx), resources))
  }

  state(signal: AbortSignal): Promise<MachineState> {
    return this.inner.state(signal)
  }

  address(signal: AbortSignal): Promise<string> {
    return this.inner.address(signal)
  }

  dockerUrl(signal: AbortSignal): Promise<string> {
    return this.inner.dockerUrl(signal)
  }

  sshEndpoint(signal: AbortSignal): Promise<SshEndpoint | undefined> {
    return this.inner.sshEndpoint(signal)
  }

  get engineManagedElsewhere(): Driver['engineManagedElsewhere'] {
    return this.inner.engineManagedElsewhere
  }

  toState(): Record<string, unknown> {
    const state = this.inner.toState()
    this.refuseSecrets(state, 'its state')
    return state
  }

  private context(ctx: OperationContext): OperationContext {
    return {
      ...ctx,
      progress: (message) => ctx.progress(mapProseText(message, (text) => this.redact(text))),
      meter: (label, done, total) => ctx.meter(this.redact(label), done, total),
      record: async (resource) => {
        this.refuseSecrets(resource, 'a resource record')
        await ctx.record(resource)
      },
    }
  }

  private async redacting(work: () => Promise<void>): Promise<void> {
    try {
      await work()
    } catch (error) {
      throw redactError(error, this.secrets)
    }
  }

  private redact(text: string): string {
    return redact(text, this.secrets)
  }

  private refuseSecrets(value: unknown, what: string): void {
    const leaked = this.secrets.find((secret) => containsString(value, secret.value))
    if (leaked === undefined) return
    throw new BerthError(`The ${this.driverName} driver tried to store the value of its secret flag --${leaked.flag} in ${what}; berth does not write credentials to disk.`, {
      code: 'driver-broken',
      hint: `This is a bug in the ${this.driverName} driver; report it to the driver's author.`,
    })
  }
}

function containsString(value: unknown, needle: string): boolean {
  if (typeof value === 'string') return value.includes(needle)
  if (Array.isArray(value)) return value.some((item) => containsString(item, needle))
  if (typeof value === 'object' && value !== null) return Object.entries(value).some(([key, inner]) => key.includes(needle) || containsString(inner, needle))
  return false
}
