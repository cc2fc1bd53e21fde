import {join} from 'node:path'
import {writeHostFile} from './files.js'
import {runOk, shellQuote} from './run.js'

/**
 * Add a login user with passwordless sudo and root's authorized_keys, with the host's own useradd (run in a
 * chroot of the host's root, as seen from its holder process).
 */
export async function addSudoUser(holderPid: number, root: string, user: string): Promise<void> {
  const home = `/home/${user}`
  const quoted = shellQuote(user)
  await runOk('nsenter', ['-t', String(holderPid), '-m', '--', 'chroot', root, '/bin/sh', '-ec', [
    // A user named like a group the host already has (docker, as cloud images' users often are) joins that group.
    `if getent group ${quoted} >/dev/null; then useradd --create-home --shell /bin/bash --gid ${quoted} --groups sudo ${quoted}; else useradd --create-home --shell /bin/bash --groups sudo ${quoted}; fi`,
    `install -d -m 0700 -o ${quoted} -g ${quoted} ${home}/.ssh`,
    `install -m 0600 -o ${quoted} -g ${quoted} /root/.ssh/authorized_keys ${home}/.ssh/authorized_keys`,
  ].join('\n')])
  await writeHostFile(join(`/proc/${holderPid}/root`, root), `/etc/sudoers.d/90-berth-testhost-${user}`, `${user} ALL=(ALL) NOPASSWD:ALL\n`, 0o440)
}
