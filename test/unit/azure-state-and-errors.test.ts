import {describe, expect, it} from 'vitest'
import {BerthError} from '../../src/core/errors.js'
import {AzureCallError, explain, isTransient, normalizeSdkError} from '../../drivers/azure/errors.js'
import {machineState} from '../../drivers/azure/power-state.js'
import {parseResourceId, ResourceIds} from '../../drivers/azure/resources.js'
import {settingsFromFlags} from '../../drivers/azure/settings.js'

describe('azure VM states', () => {
  it.each([
    [undefined, 'NotFound'],
    [['ProvisioningState/succeeded', 'PowerState/running'], 'Running'],
    [['ProvisioningState/creating', 'PowerState/running'], 'Starting'],
    [['ProvisioningState/creating'], 'Starting'],
    [['ProvisioningState/succeeded', 'PowerState/starting'], 'Starting'],
    [['ProvisioningState/updating', 'PowerState/stopping'], 'Stopping'],
    [['ProvisioningState/updating', 'PowerState/deallocating'], 'Stopping'],
    [['ProvisioningState/succeeded', 'PowerState/stopped'], 'Stopped'],
    [['ProvisioningState/succeeded', 'PowerState/deallocated'], 'Stopped'],
    [['ProvisioningState/failed/AllocationFailed'], 'Error'],
    [['ProvisioningState/deleting', 'PowerState/running'], 'Stopping'],
    [['ProvisioningState/succeeded'], 'Error'],
  ])('%j is %s', (codes, state) => {
    expect(machineState(codes)).toBe(state)
  })
})

describe('azure errors', () => {
  const restError = (statusCode: number, code: string, message: string, retryAfter?: string): Error => Object.assign(new Error(message), {
    name: 'RestError', statusCode, code, response: {headers: {get: (name: string) => (name === 'retry-after' ? retryAfter : undefined)}},
  })

  it('turns the SDK\'s RestError and a failed long-running operation into AzureCallError', () => {
    expect(normalizeSdkError(restError(429, 'TooManyRequests', 'slow\ndown', '7'))).toMatchObject({status: 429, code: 'TooManyRequests', message: 'slow down', retryAfterMs: 7000})
    expect(normalizeSdkError(new Error('The long-running operation has failed. AllocationFailed. Allocation failed. No capacity.')))
      .toMatchObject({status: undefined, code: 'AllocationFailed', message: 'Allocation failed. No capacity.'})
    const other = new Error('something else')
    expect(normalizeSdkError(other)).toBe(other)
  })

  it.each([
    [429, true], [500, true], [503, true], [408, true], [501, false], [400, false], [404, false], [409, false],
  ])('status %i is transient: %s', (status, transient) => {
    expect(isTransient(new AzureCallError('x', status, 'Code'))).toBe(transient)
  })

  it('a network failure is transient, a failed operation is not', () => {
    expect(isTransient(new AzureCallError('x', undefined, 'REQUEST_SEND_ERROR'))).toBe(true)
    expect(isTransient(new AzureCallError('x', undefined, 'AllocationFailed'))).toBe(false)
    expect(isTransient(new Error('x'))).toBe(false)
  })

  it.each([
    [new AzureCallError('The requested size is not available.', 409, 'SkuNotAvailable'), /^Could not create the VM: The requested size is not available\. \(SkuNotAvailable\)$/, /--azure-size or --azure-location/],
    [new AzureCallError('Operation results in exceeding approved standardDSv5Family Cores quota.', 409, 'OperationNotAllowed'), /^Azure quota exceeded while trying to create the VM/, /more quota/],
    [new AzureCallError('The access token is invalid.', 401, 'InvalidAuthenticationToken'), /^Azure did not accept berth's sign-in/, /AZURE_CLIENT_SECRET/],
    [new AzureCallError('The subscription \'s\' could not be found.', 404, 'SubscriptionNotFound'), /could not be found/, /--azure-subscription-id/],
    [new AzureCallError('Boom.', 400, 'Whatever'), /^Could not create the VM: Boom\. \(Whatever\)$/, undefined],
  ])('explains %s in one line with what to do', (error, message, hint) => {
    const explained = explain(error, 'create the VM') as BerthError
    expect(explained).toBeInstanceOf(BerthError)
    expect(explained.message).toMatch(message)
    if (hint === undefined) expect(explained.hint).toBeUndefined()
    else expect(explained.hint).toMatch(hint)
  })

  it('passes errors that are not Azure\'s through', () => {
    const error = new Error('local')
    expect(explain(error, 'x')).toBe(error)
  })
})

describe('azure resource ids', () => {
  it('names a machine\'s resources and reads ids back', () => {
    const ids = new ResourceIds(settingsFromFlags({'azure-subscription-id': 's', 'azure-vnet': 'net:shared'}, 'm1', 2376))
    expect(ids.vm).toBe('/subscriptions/s/resourceGroups/berth-machines/providers/Microsoft.Compute/virtualMachines/m1')
    expect(ids.subnet).toBe('/subscriptions/s/resourceGroups/net/providers/Microsoft.Network/virtualNetworks/shared/subnets/berth-subnet')
    expect(parseResourceId(ids.subnet)).toEqual({group: 'net', names: ['shared', 'berth-subnet']})
    expect(parseResourceId(ids.group())).toEqual({group: 'berth-machines', names: []})
  })
})
