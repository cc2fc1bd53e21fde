import {regenerateCertificates} from '../../core/provision-machine/index.js'
import type {App} from '../app.js'
import {forEachMachine} from '../each-machine.js'
import {sshTimeoutFlag} from '../engine-flags.js'
import {machineNames} from '../machine-args.js'
import {machineDeps} from '../machine-deps.js'
import type {CommandSpec, ParsedInput} from '../spec.js'

export const spec: CommandSpec = {
  summary: 'Issue new TLS certificates for machines and install them (each engine restarts).',
  examples: ['<%= config.bin %> regenerate-certs -f web1', '<%= config.bin %> regenerate-certs -f --client-certs web1'],
  flags: {
    force: {type: 'boolean', char: 'f', description: 'Do not ask for confirmation.'},
    'client-certs': {type: 'boolean', description: 'Also replace the store\'s client certificate with a new one signed by the CA.'},
    ...sshTimeoutFlag,
  },
  args: [{name: 'name', description: 'machines (default: "default")'}],
  variadic: true,
}

export async function run(app: App, {flags, args}: ParsedInput, signal: AbortSignal): Promise<void> {
  const names = await machineNames(app, args)
  if (flags.force !== true) {
    const answer = await app.terminal.ask('Regenerate TLS machine certs? Warning: the Docker engine restarts, which may stop running containers. (y/n): ')
    // Declining is an answer, not a failure: nothing more is said and the exit code is 0, as Docker Machine's was.
    if (!/^y(es)?$/i.test(answer)) return
  }
  const deps = machineDeps(app, flags, signal)
  const rotate = flags['client-certs'] === true
  // The client certificate is shared by the store: rotate it once, then regenerate the machines.
  const [first, ...rest] = names
  await regenerateCertificates(first!, deps, {rotateClientCertificate: rotate})
  app.reporter.info(`Regenerated the certificates of "${first}".`)
  await forEachMachine(app, rest, async (name) => {
    await regenerateCertificates(name, deps, {rotateClientCertificate: false})
    app.reporter.info(`Regenerated the certificates of "${name}".`)
    return undefined
  })
}
