/**
 * The top-level help as Docker Machine printed it (its AppHelpTemplate), for scripts and users who read its banner:
 * the usage line, the one-line description, the version, its global options with the variables they read, and
 * berth's commands.
 */

/** Docker Machine's global options, each with the variable it reads. */
const OPTIONS: readonly (readonly [string, string])[] = [
  ['--debug, -D', 'Enable debug mode'],
  ['--storage-path, -s', 'Configures storage path [$MACHINE_STORAGE_PATH]'],
  ['--tls-ca-cert', 'CA to verify remotes against [$MACHINE_TLS_CA_CERT]'],
  ['--tls-ca-key', 'Private key to generate certificates [$MACHINE_TLS_CA_KEY]'],
  ['--tls-client-cert', 'Client cert to use for TLS [$MACHINE_TLS_CLIENT_CERT]'],
  ['--tls-client-key', 'Private key used in client TLS auth [$MACHINE_TLS_CLIENT_KEY]'],
  ['--github-api-token', 'Token to use for requests to the Github API [$MACHINE_GITHUB_API_TOKEN]'],
  ['--native-ssh', 'Use the native (Go-based) SSH implementation. [$MACHINE_NATIVE_SSH]'],
  ['--bugsnag-api-token', 'BugSnag API token for crash reporting [$MACHINE_BUGSNAG_API_TOKEN]'],
  ['--help, -h', 'show help'],
  ['--version, -v', 'print the version'],
]

export function dockerMachineRootHelp(version: string, commands: readonly {name: string; summary: string}[]): string {
  return [
    'Usage: docker-machine [OPTIONS] COMMAND [arg...]',
    '',
    'Create and manage machines running Docker.',
    '',
    `Version: ${version}`,
    '',
    'Options:',
    ...aligned(OPTIONS),
    '',
    'Commands:',
    ...aligned(commands.map(({name, summary}) => [name, summary] as const)),
    '',
    "Run 'docker-machine COMMAND --help' for more information on a command.",
    '',
  ].join('\n')
}

function aligned(rows: readonly (readonly [string, string])[]): string[] {
  const width = Math.max(...rows.map(([left]) => left.length))
  return rows.map(([left, right]) => `  ${left.padEnd(width)}   ${right}`)
}
