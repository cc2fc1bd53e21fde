import {createInterface} from 'node:readline/promises'
import {TestHostPool} from '../hosts/index.js'
import {BerthSandbox, type RunResult} from './berth.js'

/**
 * `npm run demo`: berth's main job on a local sandbox host. A test host (Linux namespaces with their own
 * network, sshd, systemd and an installed but stopped Docker engine) stands in for a server; berth provisions
 * it with `create -d generic`, and the real docker CLI uses it through `berth env`. With --keep it waits,
 * so the machine can be tried from another terminal, then removes everything. Needs root on Linux.
 */
async function main(): Promise<void> {
  const keep = process.argv.includes('--keep')
  const sandbox = await BerthSandbox.create()
  const pool = new TestHostPool()
  try {
    console.log('# bringing up a sandbox host (systemd, sshd, Docker engine installed but not configured)...')
    const host = await pool.up('demo', {init: 'systemd'})
    console.log(`# host at ${host.ip}, SSH key ${host.privateKeyPath}; berth's store: ${sandbox.storePath}`)
    await show(`berth create -d generic --generic-ip-address ${host.ip} --generic-ssh-key ${host.privateKeyPath} demo`,
      sandbox.run(['create', '-d', 'generic', '--generic-ip-address', host.ip, '--generic-ssh-key', host.privateKeyPath, 'demo']))
    await show('berth ls', sandbox.run(['ls']))
    await show('eval "$(berth env demo)" && docker version', sandbox.sh('eval "$($BERTH env demo)" && docker version'))
    console.log([
      '',
      '# Use it from another shell:',
      `#   export BERTH_STORAGE_PATH=${sandbox.storePath} DOCKER_CONFIG=${sandbox.env.DOCKER_CONFIG}`,
      `#   eval "$(node ${process.cwd()}/bin/run.cjs env demo)"; docker info        # or: berth use demo`,
      '# Remove it: berth rm -y demo (the sandbox host goes when this demo ends).',
    ].join('\n'))
    if (keep && process.stdin.isTTY) {
      const prompt = createInterface({input: process.stdin, output: process.stdout})
      await prompt.question('\nPress Enter to remove the machine and the sandbox host... ')
      prompt.close()
    }
    await show('berth rm -y demo', sandbox.run(['rm', '-y', 'demo']))
  } finally {
    await pool.dispose()
    await sandbox.dispose()
  }
}

async function show(command: string, pending: Promise<RunResult>): Promise<void> {
  console.log(`\n$ ${command}`)
  const result = await pending
  process.stdout.write(result.stderr)
  process.stdout.write(result.stdout)
  if (result.code !== 0) throw new Error(`"${command}" exited with ${result.code}`)
}

await main()
