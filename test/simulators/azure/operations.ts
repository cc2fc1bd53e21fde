import {randomUUID} from 'node:crypto'
import {ArmError, type Reply} from './http.js'

type Status = 'InProgress' | 'Succeeded' | 'Failed' | 'Canceled'

interface Operation {
  id: string
  status: Status
  startTime: string
  endTime?: string
  error?: ArmError
}

/**
 * Long-running operations as ARM reports them: the first answer carries Azure-AsyncOperation (and, for DELETE and
 * POST, Location) URLs; GET on the first says {"status": "InProgress" | "Succeeded" | "Failed"}, GET on the second
 * says 202 until the work is done, then 200. The work itself runs in the background.
 */
export class Operations {
  private readonly operations = new Map<string, Operation>()

  constructor(private readonly base: () => string, private readonly pollSeconds: number) {}

  /** Start work in the background; the headers to answer the first request with. */
  start(subscription: string, namespace: string, location: string, work: () => Promise<void>, options: {withLocation: boolean}): Record<string, string> {
    const operation: Operation = {id: randomUUID(), status: 'InProgress', startTime: new Date().toISOString()}
    this.operations.set(operation.id, operation)
    void work().then(
      () => this.finish(operation, 'Succeeded'),
      (error: unknown) => this.finish(operation, 'Failed', error instanceof ArmError ? error : new ArmError(500, 'InternalServerError', `An internal error occurred: ${String(error)}`)),
    )
    const prefix = `${this.base()}/subscriptions/${subscription}/providers/${namespace}/locations/${location}`
    return {
      'azure-asyncoperation': `${prefix}/operations/${operation.id}?api-version=2024-07-01`,
      ...(options.withLocation ? {location: `${prefix}/operationResults/${operation.id}?api-version=2024-07-01`} : {}),
      'retry-after': String(this.pollSeconds),
    }
  }

  /** GET on an Azure-AsyncOperation URL. */
  status(id: string): Reply {
    const operation = this.find(id)
    return {
      status: 200,
      headers: operation.status === 'InProgress' ? {'retry-after': String(this.pollSeconds)} : {},
      body: {
        name: operation.id,
        status: operation.status,
        startTime: operation.startTime,
        ...(operation.endTime === undefined ? {} : {endTime: operation.endTime}),
        ...(operation.error === undefined ? {} : {error: operation.error.body().error}),
      },
    }
  }

  /** GET on a Location URL: 202 while running, the error when it failed, 200 when done. */
  result(id: string): Reply {
    const operation = this.find(id)
    if (operation.status === 'InProgress') return {status: 202, headers: {'retry-after': String(this.pollSeconds)}}
    if (operation.error !== undefined) throw operation.error
    return {status: 200}
  }

  /** Whether any operation is still running (tests wait for quiet before they look at what is left). */
  get busy(): boolean {
    return [...this.operations.values()].some((operation) => operation.status === 'InProgress')
  }

  private find(id: string): Operation {
    const operation = this.operations.get(id)
    if (operation === undefined) throw new ArmError(404, 'NotFound', `The operation '${id}' could not be found.`)
    return operation
  }

  private finish(operation: Operation, status: Status, error?: ArmError): void {
    operation.status = status
    operation.endTime = new Date().toISOString()
    if (error !== undefined) operation.error = error
  }
}
