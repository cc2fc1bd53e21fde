/** The Azure clouds berth knows by name (--azure-environment), as Docker Machine named them. */
export interface AzureCloud {
  resourceManagerEndpoint: string
  authorityHost: string
}

export const CLOUDS: Readonly<Record<string, AzureCloud>> = {
  AzurePublicCloud: {resourceManagerEndpoint: 'https://management.azure.com', authorityHost: 'https://login.microsoftonline.com'},
  AzureUSGovernmentCloud: {resourceManagerEndpoint: 'https://management.usgovcloudapi.net', authorityHost: 'https://login.microsoftonline.us'},
  AzureChinaCloud: {resourceManagerEndpoint: 'https://management.chinacloudapi.cn', authorityHost: 'https://login.chinacloudapi.cn'},
}

/** Clouds Docker Machine knew that no longer exist, with what to say instead. */
export const RETIRED_CLOUDS: Readonly<Record<string, string>> = {
  AzureGermanCloud: 'Microsoft Cloud Deutschland was closed in October 2021; its customers moved to AzurePublicCloud (Germany regions).',
}

/** Whether MSAL knows this sign-in host; for any other it must not ask login.microsoftonline.com to discover it. */
export function isKnownAuthorityHost(host: string): boolean {
  const trimmed = host.replace(/\/+$/, '').toLowerCase()
  return Object.values(CLOUDS).some((cloud) => cloud.authorityHost === trimmed)
}
