import {type DriverDefinition, UsageError} from '../../src/driver-kit/index.js'
import {GenericDriver, genericSettings} from './driver.js'

/** Any Linux server berth can reach over SSH; berth provisions its engine but does not own the machine's power. */
const generic: DriverDefinition = {
  name: 'generic',
  description: 'An existing Linux server reachable over SSH.',
  example: {args: ['--generic-ip-address', '203.0.113.10', '--generic-ssh-user', 'ubuntu'], machine: 'web1'},
  flags: [
    {name: 'generic-ip-address', type: 'string', env: 'GENERIC_IP_ADDRESS', description: 'IP address or DNS name of the server.'},
    {name: 'generic-ssh-user', type: 'string', env: 'GENERIC_SSH_USER', default: 'root', description: 'SSH user (root, or a user with passwordless sudo).'},
    {name: 'generic-ssh-key', type: 'string', env: 'GENERIC_SSH_KEY', defaultHelp: '~/.ssh/id_ed25519 or ~/.ssh/id_rsa', description: 'Private key for SSH.'},
    {name: 'generic-ssh-port', type: 'integer', env: 'GENERIC_SSH_PORT', default: 22, description: 'SSH port.'},
    {name: 'generic-engine-port', type: 'integer', env: 'GENERIC_ENGINE_PORT', defaultHelp: 'berth\'s engine port, 2376', description: 'Port the Docker engine listens on with TLS.'},
  ],
  sshSettingFlags: {address: '--generic-ip-address', port: '--generic-ssh-port'},
  capabilities: {
    stableAddress: true,
    serialOperations: false,
    existingHost: true,
    provisions: true,
  },
  async probe() {
    return {installed: true, healthy: true}
  },
  fromFlags(values, setup) {
    const given = typeof values['generic-ssh-key'] === 'string' && values['generic-ssh-key'] !== ''
    return new GenericDriver(genericSettings(values, setup.env, process.cwd(), setup.enginePort), setup, given ? '--generic-ssh-key' : 'The default SSH key')
  },
  load(state, setup) {
    return new GenericDriver(genericSettings(state, setup.env, setup.machineDir, setup.enginePort), setup)
  },
  // Docker Machine's generic driver keeps berth's own settings under its struct's names, and its copy of the key.
  fromDockerMachine({driver, sshKeyPath}, setup) {
    if (typeof driver.IPAddress !== 'string' || driver.IPAddress === '') throw new UsageError('Its "Driver.IPAddress" is missing.')
    if (sshKeyPath === undefined) throw new UsageError('It has no SSH key ("Driver.SSHKeyPath").')
    const state = {
      ipAddress: driver.IPAddress,
      sshUser: driver.SSHUser || 'root',
      sshKeyPath,
      sshPort: driver.SSHPort || 22,
      enginePort: driver.EnginePort || setup.enginePort,
      ...(typeof driver.SSHKey === 'string' && driver.SSHKey !== '' ? {sshKeyOrigin: driver.SSHKey} : {}),
    }
    return {driver: new GenericDriver(genericSettings(state, setup.env, setup.machineDir, setup.enginePort), setup)}
  },
}

export default generic
