import {execFile} from 'node:child_process'
import {chmod, mkdir, readFile, writeFile} from 'node:fs/promises'
import {join} from 'node:path'
import {promisify} from 'node:util'
import type {TestHost} from '../hosts/index.js'
import {repoRoot, runProcess, type RunResult} from './berth.js'
import {issueTestCert, makeTestCa, type TestKeyPair} from './openssl.js'

// What Docker Machine 0.16.2 leaves behind, made by tests: its store (test/fixtures/docker-machine-store's layout)
// and, on a host, the engine it configured.

const FIXTURE = join(repoRoot, 'test', 'fixtures', 'docker-machine-store')
const FIXTURE_ROOT = '/home/user/.docker/machine'

/** The CA of a Docker Machine store and the client certificate it issued (certs/). */
export interface DockerMachinePki {
  ca: TestKeyPair
  client: TestKeyPair
}

export async function makeDockerMachinePki(): Promise<DockerMachinePki> {
  const ca = await makeTestCa({cn: 'tester'})
  return {ca, client: await issueTestCert(ca, 'client', {cn: 'tester.client', days: 30})}
}

/** The engine's certificate, issued by the store's CA for the host's address, as Docker Machine issues it. */
export function issueDockerMachineServerCert(pki: DockerMachinePki, machine: string, address: string): Promise<TestKeyPair> {
  return issueTestCert(pki.ca, 'server', {cn: `tester.${machine}`, sans: [`IP:${address}`, 'DNS:localhost'], days: 30})
}

/** A Docker Machine store's certs/ directory, with the modes Docker Machine gives them. */
export async function writeDockerMachineStore(root: string, pki: DockerMachinePki): Promise<void> {
  await mkdir(join(root, 'certs'), {recursive: true, mode: 0o700})
  await writeFile(join(root, 'certs', 'ca.pem'), pki.ca.certPem, {mode: 0o644})
  await writeFile(join(root, 'certs', 'ca-key.pem'), pki.ca.keyPem, {mode: 0o600})
  await writeFile(join(root, 'certs', 'cert.pem'), pki.client.certPem, {mode: 0o644})
  await writeFile(join(root, 'certs', 'key.pem'), pki.client.keyPem, {mode: 0o600})
}

/** A machine of the fixture's, with this store's path, its name and the given substitutions put in its config.json. */
export async function addMachine(root: string, fixtureName: string, name: string, substitutions: Record<string, string>, files: Record<string, {content: string; mode: number}>): Promise<void> {
  const dir = join(root, 'machines', name)
  await mkdir(dir, {recursive: true, mode: 0o700})
  let config = await readFile(join(FIXTURE, 'machines', fixtureName, 'config.json'), 'utf8')
  for (const [from, to] of Object.entries({[FIXTURE_ROOT]: root, [fixtureName]: name, ...substitutions})) config = config.replaceAll(from, to)
  await writeFile(join(dir, 'config.json'), config, {mode: 0o600})
  for (const [file, {content, mode}] of Object.entries(files)) {
    await writeFile(join(dir, file), content, {mode})
    await chmod(join(dir, file), mode)
  }
}

/**
 * A cloud driver's machine: the id_rsa Docker Machine generates for it (made here first, since the cloud's instance
 * is made with its public half), and, once the instance exists, its config.json (the fixture's generic one with
 * `driverName` and the given Driver object: HostOptions are the same for every driver) and its server certificate.
 */
export class CloudMachineFiles {
  private constructor(readonly root: string, readonly name: string, readonly publicKey: string) {}

  static async generateKey(root: string, name: string): Promise<CloudMachineFiles> {
    const dir = join(root, 'machines', name)
    await mkdir(dir, {recursive: true, mode: 0o700})
    await promisify(execFile)('ssh-keygen', ['-q', '-t', 'rsa', '-b', '2048', '-N', '', '-f', join(dir, 'id_rsa')])
    return new CloudMachineFiles(root, name, (await readFile(join(dir, 'id_rsa.pub'), 'utf8')).trim())
  }

  get keyPath(): string {
    return join(this.root, 'machines', this.name, 'id_rsa')
  }

  async write(driverName: string, driver: Record<string, unknown>, server: TestKeyPair, address: string): Promise<void> {
    const dir = join(this.root, 'machines', this.name)
    await writeFile(join(dir, 'server.pem'), server.certPem, {mode: 0o644})
    await writeFile(join(dir, 'server-key.pem'), server.keyPem, {mode: 0o600})
    const config = JSON.parse((await readFile(join(FIXTURE, 'machines', 'legacy-generic', 'config.json'), 'utf8')).replaceAll(FIXTURE_ROOT, this.root).replaceAll('legacy-generic', this.name)) as Record<string, unknown>
    const base = {IPAddress: address, MachineName: this.name, SSHUser: 'ubuntu', SSHPort: 22, SSHKeyPath: this.keyPath, StorePath: this.root, SwarmMaster: false, SwarmHost: '', SwarmDiscovery: ''}
    await writeFile(join(dir, 'config.json'), JSON.stringify({...config, DriverName: driverName, Driver: {...base, ...driver}}, null, 4), {mode: 0o600})
  }
}

/** Runs a shell script as root on a host. */
export type RootShell = (script: string) => Promise<RunResult>

/** A test host's own shell. */
export function hostShell(host: TestHost): RootShell {
  return (script) => host.exec('sh -s', {input: script})
}

/** A cloud instance's shell, as Docker Machine reached it: SSH with the machine's key, then sudo. */
export function sshShell(user: string, address: string, keyPath: string): RootShell {
  const options = ['-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '-o', 'LogLevel=ERROR', '-i', keyPath]
  return (script) => runProcess('ssh', [...options, `${user}@${address}`, user === 'root' ? 'sh -s' : 'sudo -n sh -s'], process.env, script)
}

export interface DockerMachineEngine {
  hostname: string
  /** Docker Machine's provider label. */
  provider: string
  labels?: readonly string[]
  /** Where the engine comes from on a host without one, as Docker Machine ran get.docker.com. */
  installUrl?: string
}

/**
 * What Docker Machine 0.16.2 leaves on a systemd host it provisioned (the fixture's README): the engine started by
 * its drop-in 10-machine.conf with its TLS flags, the certificates in /etc/docker with the server key 0644.
 */
export async function setUpAsDockerMachine(shell: RootShell, certs: {ca: TestKeyPair; server: TestKeyPair}, engine: DockerMachineEngine): Promise<void> {
  const file = (path: string, content: string): string => `cat > ${path} <<'END_OF_FILE'\n${content.trimEnd()}\nEND_OF_FILE\nchmod 644 ${path}\n`
  const labels = [...(engine.labels ?? []), `provider=${engine.provider}`].map((label) => `--label ${label}`).join(' ')
  const script = [
    'set -e',
    ...(engine.installUrl === undefined ? [] : [`curl -fsSL '${engine.installUrl}' | sh >/dev/null`]),
    'mkdir -p /etc/docker /etc/systemd/system/docker.service.d',
    file('/etc/docker/ca.pem', certs.ca.certPem),
    file('/etc/docker/server.pem', certs.server.certPem),
    file('/etc/docker/server-key.pem', certs.server.keyPem),
    'dockerd=$(command -v dockerd)',
    'cat > /etc/systemd/system/docker.service.d/10-machine.conf <<END_OF_FILE',
    '[Service]',
    'ExecStart=',
    `ExecStart=$dockerd -H tcp://0.0.0.0:2376 -H unix:///var/run/docker.sock --tlsverify --tlscacert /etc/docker/ca.pem --tlscert /etc/docker/server.pem --tlskey /etc/docker/server-key.pem ${labels} --log-level=warn `,
    'Environment=',
    'END_OF_FILE',
    `hostname ${engine.hostname} && echo ${engine.hostname} > /etc/hostname`,
    'systemctl daemon-reload && systemctl restart docker && systemctl is-active docker',
    '',
  ].join('\n')
  const result = await shell(script)
  if (result.code !== 0 || result.stdout.trim() !== 'active') throw new Error(`Setting the host up as Docker Machine did failed (${result.code}): ${result.stderr}${result.stdout}`)
}

/** The engine's process id: unchanged while berth only reads the machine. */
export async function enginePid(shell: RootShell): Promise<string> {
  return (await shell('systemctl show -p MainPID --value docker')).stdout.trim()
}
