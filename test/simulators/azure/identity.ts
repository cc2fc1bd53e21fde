import {randomBytes, randomUUID} from 'node:crypto'
import type {Reply, SimRequest} from './http.js'

/** A service principal the simulated directory knows. */
export interface SimPrincipal {
  tenantId: string
  clientId: string
  clientSecret: string
}

interface IssuedToken {
  tenantId: string
  subject: string
  audience: string
  expiresAt: number
}

/**
 * The simulated Microsoft Entra ID (login.microsoftonline.com): the OpenID discovery document MSAL reads for a
 * tenant, and the client-credentials grant at /{tenant}/oauth2/v2.0/token, with Entra's error bodies
 * ({"error", "error_description": "AADSTS...", "error_codes"}). Tokens are opaque strings remembered here, so
 * ARM can tell a token it issued, for which tenant and audience, from anything else.
 */
export class SimDirectory {
  private readonly tokens = new Map<string, IssuedToken>()

  constructor(private readonly base: () => string, private readonly principals: readonly SimPrincipal[]) {}

  get tenants(): string[] {
    return [...new Set(this.principals.map((principal) => principal.tenantId))]
  }

  /** A token as `az login` would hold it for a user, for tests that stand in for the Azure CLI. */
  issue(tenantId: string, subject: string, audience: string): {token: string; expiresAt: number} {
    const token = randomBytes(24).toString('base64url')
    const expiresAt = Date.now() + 3600_000
    this.tokens.set(token, {tenantId, subject, audience: audience.replace(/\/+$/, ''), expiresAt})
    return {token, expiresAt}
  }

  /** What a bearer token was issued for, or undefined for a token this directory never issued (or that expired). */
  verify(token: string): IssuedToken | undefined {
    const issued = this.tokens.get(token)
    return issued !== undefined && issued.expiresAt > Date.now() ? issued : undefined
  }

  /**
   * The endpoints MSAL calls: the OpenID discovery document (once per authority) and the token endpoint. The
   * operation names the call for the call log and for injected failures; answer() gives the reply.
   */
  route(request: SimRequest): {operation: string; answer: () => Reply} | undefined {
    const [tenant, first, second, third] = request.segments
    if (tenant === undefined) return undefined
    if (request.method === 'GET' && first === 'v2.0' && second === '.well-known' && third === 'openid-configuration') {
      return {operation: 'identity.openidConfiguration', answer: () => this.openidConfiguration(tenant)}
    }
    if (request.method === 'POST' && first === 'oauth2' && second === 'v2.0' && third === 'token') {
      return {operation: 'identity.token', answer: () => this.token(tenant, new URLSearchParams(request.rawBody))}
    }
    return undefined
  }

  private openidConfiguration(tenant: string): Reply {
    if (!this.tenants.includes(tenant)) {
      return entraError(400, 'invalid_tenant', 90002, `Tenant '${tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant.`)
    }
    const at = `${this.base()}/${tenant}`
    return {
      status: 200,
      body: {
        token_endpoint: `${at}/oauth2/v2.0/token`,
        token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
        jwks_uri: `${at}/discovery/v2.0/keys`,
        response_modes_supported: ['query', 'fragment', 'form_post'],
        subject_types_supported: ['pairwise'],
        id_token_signing_alg_values_supported: ['RS256'],
        response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
        scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
        issuer: `${at}/v2.0`,
        request_uri_parameter_supported: false,
        userinfo_endpoint: `${this.base()}/oidc/userinfo`,
        authorization_endpoint: `${at}/oauth2/v2.0/authorize`,
        device_authorization_endpoint: `${at}/oauth2/v2.0/devicecode`,
        http_logout_supported: true,
        frontchannel_logout_supported: true,
        end_session_endpoint: `${at}/oauth2/v2.0/logout`,
        claims_supported: ['sub', 'iss', 'aud', 'exp', 'iat', 'tid'],
        tenant_region_scope: 'NA',
        cloud_instance_name: 'microsoftonline.com',
      },
    }
  }

  private token(tenant: string, form: URLSearchParams): Reply {
    if (!this.tenants.includes(tenant)) {
      return entraError(400, 'invalid_request', 90002, `Tenant '${tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.`)
    }
    if (form.get('grant_type') !== 'client_credentials') {
      return entraError(400, 'unsupported_grant_type', 70003, 'The app requested an unsupported grant type.')
    }
    const clientId = form.get('client_id') ?? ''
    const principal = this.principals.find((candidate) => candidate.tenantId === tenant && candidate.clientId === clientId)
    if (principal === undefined) {
      return entraError(400, 'unauthorized_client', 700016, `Application with identifier '${clientId}' was not found in the directory '${tenant}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.`)
    }
    if (form.get('client_secret') !== principal.clientSecret) {
      return entraError(401, 'invalid_client', 7000215, `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${clientId}'.`)
    }
    const scope = form.get('scope') ?? ''
    const resource = scope.split(' ').find((item) => item.endsWith('/.default'))
    if (resource === undefined) {
      return entraError(400, 'invalid_scope', 1002012, `The provided value for scope ${scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`)
    }
    const {token} = this.issue(tenant, clientId, resource.slice(0, -'/.default'.length))
    return {status: 200, body: {token_type: 'Bearer', expires_in: 3599, ext_expires_in: 3599, access_token: token}}
  }
}

function entraError(status: number, error: string, code: number, description: string): Reply {
  const trace = randomUUID()
  const correlation = randomUUID()
  const timestamp = new Date().toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z')
  return {
    status,
    body: {
      error,
      error_description: `AADSTS${code}: ${description} Trace ID: ${trace} Correlation ID: ${correlation} Timestamp: ${timestamp}`,
      error_codes: [code],
      timestamp,
      trace_id: trace,
      correlation_id: correlation,
      error_uri: `https://login.microsoftonline.com/error?code=${code}`,
    },
  }
}
