import {randomBytes} from 'node:crypto'
import {mkdir} from 'node:fs/promises'
import {join} from 'node:path'
import {removeHostPaths, writeHostFile} from './files.js'
import type {KeyPair} from './keys.js'

export interface MachineIdentity {
  hostname: string
  ip: string
  /** authorized_keys for root. */
  authorizedKeys: string
  /** The host's ssh host key pair. */
  hostKey: KeyPair
}

/**
 * Make the copy of the machine's / a distinct machine: its own name, machine-id, ssh host key and root login,
 * an empty /etc/docker (an engine key.json left there would give every host the same engine ID), and
 * a resolver that fails at once (there is no DNS on the test network).
 */
export async function personalise(root: string, identity: MachineIdentity): Promise<void> {
  await writeHostFile(root, '/etc/hostname', `${identity.hostname}\n`)
  await writeHostFile(root, '/etc/hosts', [
    '127.0.0.1\tlocalhost',
    `127.0.1.1\t${identity.hostname}`,
    `${identity.ip}\t${identity.hostname}`,
    '::1\tlocalhost ip6-localhost ip6-loopback',
    '',
  ].join('\n'))
  await writeHostFile(root, '/etc/machine-id', `${randomBytes(16).toString('hex')}\n`, 0o444)
  await writeHostFile(root, '/etc/resolv.conf', '# berth test host: no DNS server is reachable\nnameserver 127.0.0.1\n')

  await removeHostPaths(root, ['/etc/docker', '/root/.ssh', ...['ed25519', 'ecdsa', 'rsa', 'dsa'].flatMap((type) => [`/etc/ssh/ssh_host_${type}_key`, `/etc/ssh/ssh_host_${type}_key.pub`])])
  await mkdir(join(root, '/etc/docker'), {mode: 0o755})
  await mkdir(join(root, '/root/.ssh'), {mode: 0o700})
  await writeHostFile(root, '/root/.ssh/authorized_keys', identity.authorizedKeys, 0o600)
  await writeHostFile(root, '/etc/ssh/ssh_host_ed25519_key', identity.hostKey.private, 0o600)
  await writeHostFile(root, '/etc/ssh/ssh_host_ed25519_key.pub', `${identity.hostKey.public}\n`)
  // Drop-ins come first in Debian's sshd_config, and the first value of an option wins.
  await writeHostFile(root, '/etc/ssh/sshd_config.d/00-berth-testhost.conf', [
    'HostKey /etc/ssh/ssh_host_ed25519_key',
    'PermitRootLogin prohibit-password',
    'PasswordAuthentication no',
    'UseDNS no',
    '',
  ].join('\n'))
  // Without a syslog daemon in a sysv host sshd's log would be lost; the unit and the init script both read this.
  await writeHostFile(root, '/etc/default/ssh', 'SSHD_OPTS="-E /var/log/sshd.log"\n')
}
