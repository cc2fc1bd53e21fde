import {BerthError} from '../../src/driver-kit/index.js'

/**
 * A failed Azure call in the driver's own terms (status, ARM error code, Retry-After), so that nothing outside
 * the SDK module needs the SDK's error classes. `status` is undefined when no HTTP answer came (network) or
 * when a long-running operation ended in failure (its code is ARM's).
 */
export class AzureCallError extends Error {
  override readonly name = 'AzureCallError'

  constructor(message: string, readonly status: number | undefined, readonly code: string | undefined, readonly retryAfterMs?: number) {
    super(message)
  }

  get notFound(): boolean {
    return this.status === 404
  }
}

/** No usable credential, or one Microsoft Entra ID refused. The message names what to set. */
export class AzureCredentialError extends BerthError {
  override readonly name = 'AzureCredentialError'
  constructor(message: string, options: {hint?: string; cause?: unknown} = {}) {
    super(message, {...options, code: 'cloud-credentials'})
  }
}

const LRO_FAILURE = /^The long-running operation has failed(?:\. (\w+)\. ([\s\S]*))?$/

/** The SDK's errors (RestError, core-lro's failure, @azure/identity's) as AzureCallError; others unchanged. */
export function normalizeSdkError(error: unknown): unknown {
  if (!(error instanceof Error) || error instanceof AzureCallError || error instanceof BerthError) return error
  const fields = error as Error & {statusCode?: number; code?: string; response?: {headers?: {get?(name: string): string | undefined}}}
  if (error.name === 'RestError') {
    const retryAfter = fields.response?.headers?.get?.('retry-after')
    return new AzureCallError(oneLine(error.message), fields.statusCode, fields.code, retryAfter === undefined ? undefined : retryAfterMs(retryAfter))
  }
  const failed = LRO_FAILURE.exec(error.message)
  if (failed !== null) return new AzureCallError(oneLine(failed[2] || error.message), undefined, failed[1])
  return error
}

function retryAfterMs(value: string): number | undefined {
  const seconds = Number(value)
  if (Number.isFinite(seconds)) return seconds * 1000
  const date = Date.parse(value)
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now())
}

/** Throttling, a server error or a network failure: worth another try after a pause. */
export function isTransient(error: unknown): boolean {
  if (!(error instanceof AzureCallError)) return false
  if (error.status === undefined) return error.code === 'REQUEST_SEND_ERROR'
  return error.status === 429 || error.status === 408 || (error.status >= 500 && error.status !== 501 && error.status !== 505)
}

export function oneLine(text: string): string {
  return text.replace(/\s*[\r\n]+\s*/g, ' ').trim()
}

/**
 * One line for the user, and what to do about it, for a failed call that was meant to `action` (lower case,
 * e.g. "create the VM docker1"). Errors that are not Azure's pass through.
 */
export function explain(error: unknown, action: string): unknown {
  if (!(error instanceof AzureCallError)) return error
  const code = error.code ?? ''
  const said = `${error.message}${code === '' || error.message.includes(code) ? '' : ` (${code})`}`
  const fail = (hint?: string, message = `Could not ${action}: ${said}`): BerthError => new BerthError(message, {code: 'cloud-api', ...(hint === undefined ? {} : {hint}), cause: error})
  if (error.status === 401 || /^InvalidAuthenticationToken|^AuthenticationFailed/.test(code)) {
    return fail('Check the credentials berth signs in with: AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET (or "az login"), and that they belong to the subscription\'s tenant.', `Azure did not accept berth's sign-in: ${said}`)
  }
  if (error.status === 403 || code === 'AuthorizationFailed') {
    return fail('Give the identity berth signs in as the Contributor role on the subscription or resource group ("az role assignment create --role Contributor ...").')
  }
  if (code === 'SubscriptionNotFound') return fail('Check --azure-subscription-id (AZURE_SUBSCRIPTION_ID); "az account list -o table" lists the subscriptions you can use.')
  if (code === 'SkuNotAvailable') return fail('Choose another --azure-size or --azure-location; "az vm list-skus --location LOCATION --size SIZE -o table" shows where a size is offered to you.')
  if (code === 'QuotaExceeded' || (code === 'OperationNotAllowed' && /quota/i.test(error.message))) {
    return fail('Ask for more quota (portal: Subscriptions > Usage + quotas) or choose a smaller --azure-size.', `Azure quota exceeded while trying to ${action}: ${said}`)
  }
  if (/^Location|InvalidLocation|NoRegisteredProviderFound/.test(code)) return fail('Choose another --azure-location ("az account list-locations -o table" lists them).')
  if (code === 'PlatformImageNotFound') return fail('Check --azure-image ("az vm image list --all --publisher PUBLISHER -o table" lists images).')
  if (error.status === 429) return fail('Azure is throttling this subscription\'s requests; wait a minute and try again.')
  if (error.status !== undefined && error.status >= 500) return fail('Azure had a transient failure; try again. If it persists, check https://azure.status.microsoft.')
  if (error.code === 'REQUEST_SEND_ERROR') return fail('Check the network and --azure-resource-manager-endpoint.')
  return fail()
}
