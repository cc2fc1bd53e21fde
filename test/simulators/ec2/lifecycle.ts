import type {Backing} from './backing.js'
import {Ec2Fault} from './fault.js'
import type {Instance, InstanceStateName} from './world.js'

export interface StateChange {
  instance: Instance
  previous: InstanceStateName
}

/**
 * The instances' state machine: an API call moves an instance into its transitional state at once (pending,
 * stopping, shutting-down) and the backing work brings it to the settled one. Work for one instance runs in order.
 */
export class InstanceLifecycle {
  private readonly queues = new Map<string, Promise<void>>()
  /** Instances whose next launch is made to fail, with the state reason EC2 would give. */
  private readonly launchFailures: {code: string; message: string}[] = []

  constructor(private readonly hosts: Backing | undefined, private readonly books: Backing) {}

  failNextLaunch(reason: {code: string; message: string}): void {
    this.launchFailures.push(reason)
  }

  launch(instance: Instance, authorizedKey: string | undefined): void {
    const failure = this.launchFailures.shift()
    this.enqueue(instance, async () => {
      if (failure !== undefined) {
        this.settle(instance, 'terminated', failure)
        return
      }
      try {
        const address = await this.backing(instance).launch(instance.id, authorizedKey)
        this.addressed(instance, address)
        this.settle(instance, 'running')
      } catch (error) {
        await this.backing(instance).terminate(instance.id).catch(() => undefined)
        this.settle(instance, 'terminated', {code: 'Server.InternalError', message: `Server.InternalError: Internal error on launch (${String(error)})`})
      }
    })
  }

  stop(instance: Instance, force: boolean): StateChange {
    const previous = instance.state
    if (previous === 'stopped' || (previous === 'stopping' && !force)) return {instance, previous}
    if (previous !== 'running' && previous !== 'stopping') throw incorrectState(instance, 'stopped')
    if (instance.spot !== undefined) {
      throw new Ec2Fault('UnsupportedOperation', `You can't stop the Spot Instance '${instance.id}' because it is associated with a one-time Spot Instance request. You can only stop Spot Instances associated with persistent Spot Instance requests.`)
    }
    this.transition(instance, 'stopping')
    this.enqueue(instance, async () => {
      await this.backing(instance).stop(instance.id, force)
      instance.publicIp = undefined
      this.settle(instance, 'stopped', {code: 'Client.UserInitiatedShutdown', message: 'Client.UserInitiatedShutdown: User initiated shutdown'})
    })
    return {instance, previous}
  }

  start(instance: Instance): StateChange {
    const previous = instance.state
    if (previous === 'running' || previous === 'pending') return {instance, previous}
    if (previous !== 'stopped') throw incorrectState(instance, 'started')
    this.transition(instance, 'pending')
    this.enqueue(instance, async () => {
      const address = await this.backing(instance).start(instance.id)
      this.addressed(instance, address)
      this.settle(instance, 'running')
    })
    return {instance, previous}
  }

  reboot(instance: Instance): void {
    if (instance.state !== 'running') throw incorrectState(instance, 'rebooted')
    this.enqueue(instance, () => this.backing(instance).reboot(instance.id))
  }

  terminate(instance: Instance): StateChange {
    const previous = instance.state
    if (previous === 'terminated' || previous === 'shutting-down') return {instance, previous}
    this.transition(instance, 'shutting-down')
    this.enqueue(instance, async () => {
      await this.backing(instance).terminate(instance.id)
      instance.publicIp = undefined
      this.settle(instance, 'terminated', {code: 'Client.UserInitiatedShutdown', message: 'Client.UserInitiatedShutdown: User initiated shutdown'})
    })
    return {instance, previous}
  }

  /** Resolves when no instance has work under way. */
  async idle(): Promise<void> {
    while (this.queues.size > 0) await Promise.allSettled([...this.queues.values()])
  }

  private backing(instance: Instance): Backing {
    if (!instance.backed) return this.books
    if (this.hosts === undefined) throw new Error(`${instance.id} is backed by a test host, but the simulator has no pool.`)
    return this.hosts
  }

  /** A test host has one address, so the private address follows the public one; booked instances keep theirs. */
  private addressed(instance: Instance, address: string): void {
    if (instance.backed) instance.privateIp = address
    instance.publicIp = instance.associatePublicIp ? address : undefined
  }

  private transition(instance: Instance, state: InstanceStateName): void {
    instance.state = state
    instance.transitionReason = `User initiated (${new Date().toISOString().replace('T', ' ').slice(0, 19)} GMT)`
  }

  private settle(instance: Instance, state: InstanceStateName, reason?: {code: string; message: string}): void {
    instance.state = state
    if (reason === undefined) delete instance.stateReason
    else instance.stateReason = reason
  }

  private enqueue(instance: Instance, work: () => Promise<void>): void {
    const previous = this.queues.get(instance.id) ?? Promise.resolve()
    const next = previous.then(work).catch((error: unknown) => {
      instance.state = 'terminated'
      instance.stateReason = {code: 'Server.InternalError', message: `Server.InternalError: ${String(error)}`}
    })
    this.queues.set(instance.id, next)
    void next.then(() => {
      if (this.queues.get(instance.id) === next) this.queues.delete(instance.id)
    })
  }
}

function incorrectState(instance: Instance, wanted: string): Ec2Fault {
  return new Ec2Fault('IncorrectInstanceState', `The instance '${instance.id}' is not in a state from which it can be ${wanted}.`)
}
