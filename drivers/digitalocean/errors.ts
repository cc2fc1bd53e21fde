import {BerthError} from '../../src/driver-kit/index.js'
import {DigitalOceanApiError} from './api-error.js'
import {TOKEN_ENV} from './flags.js'
import type {DigitalOceanSettings} from './settings.js'

const TOKEN_HINT = `Set ${TOKEN_ENV} (or pass --digitalocean-access-token) to a valid personal access token with read and write scopes.`

/** A DigitalOcean API failure as one line naming the cause, and a hint naming the fix; anything else passes through. */
export function explainApiError(error: unknown, settings: Pick<DigitalOceanSettings, 'apiUrl' | 'region' | 'size' | 'image'>): unknown {
  if (!(error instanceof DigitalOceanApiError)) return error
  const said = `${error.status} ${error.apiMessage ?? ''}`.trim()
  if (error.status === undefined) {
    return new BerthError(`Cannot reach the DigitalOcean API at ${settings.apiUrl} while ${error.what} (${error.network}).`, {code: 'cloud-api', hint: 'Check the network connection, and --digitalocean-api-url (DIGITALOCEAN_API_URL) if you set it.'})
  }
  if (error.status === 401) return new BerthError(`DigitalOcean refused the access token while ${error.what} (${said}).`, {code: 'cloud-api', hint: TOKEN_HINT})
  if (error.status === 403) return new BerthError(`DigitalOcean refused ${error.what} (${said}).`, {code: 'cloud-api', hint: 'berth needs a token with read and write scopes to make, power and remove droplets and SSH keys.'})
  if (error.status === 429) {
    const when = error.resetsAt === undefined ? 'a while' : `${error.resetsAt.toLocaleTimeString()}`
    return new BerthError(`DigitalOcean's API rate limit is used up (${error.what}: ${said}).`, {code: 'cloud-api', hint: `Wait until ${when} and try again; every program using this account's tokens shares the limit.`})
  }
  if (error.status === 422) return unprocessable(error, said, settings)
  if (error.status >= 500) {
    return new BerthError(`DigitalOcean's API kept failing while ${error.what} (${said}).`, {code: 'cloud-api', hint: 'berth retried; try again later, and see https://status.digitalocean.com.'})
  }
  return new BerthError(`DigitalOcean refused ${error.what} (${said}).`, {code: 'cloud-api'})
}

/** 422s that name a setting say which flag to change; the droplet limit and capacity say what to do instead. */
function unprocessable(error: DigitalOceanApiError, said: string, settings: Pick<DigitalOceanSettings, 'region' | 'size' | 'image'>): BerthError {
  const message = error.apiMessage ?? ''
  if (/droplet limit/i.test(message)) {
    return new BerthError(`Creating the droplet would exceed the account's droplet limit (${said}).`, {code: 'cloud-api', hint: 'Remove droplets you no longer need, or ask DigitalOcean for a higher limit (control panel: Settings, Team, Droplet limit).'})
  }
  if (/not available in (this|the selected) region|region is not available/i.test(message)) {
    return new BerthError(`DigitalOcean cannot make a ${settings.size} droplet in ${settings.region} now (${said}).`, {code: 'cloud-api', hint: 'Choose another --digitalocean-region or --digitalocean-size, or try again later.'})
  }
  const named = /invalid (region|size|image)/i.exec(message)?.[1]?.toLowerCase() as 'region' | 'size' | 'image' | undefined
  if (named !== undefined) {
    return new BerthError(`DigitalOcean refused --digitalocean-${named} ${settings[named]} (${said}).`, {code: 'cloud-api', hint: `Choose a ${named} the account can use (doctl compute ${named} list).`})
  }
  return new BerthError(`DigitalOcean refused ${error.what} (${said}).`, {code: 'cloud-api'})
}
