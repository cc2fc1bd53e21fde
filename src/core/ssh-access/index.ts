// ssh, scp and mount: what the system's ssh, scp, rsync and sshfs need to reach a machine with its key and pinned
// host key, berth's own SSH client for when ssh is missing, and the local tools they run. What berth imports from
// this folder, it imports from here.
export {nativeClientTerminal, openSshClientWords, type SshClientOption} from './client-options.js'
export {findExecutable, MissingToolError, requireExecutable, runTool} from './local-tools.js'
export {copyMachines, rsyncArgs, scpArgs, withSshConfig, type CopyRequest} from './machine-copy.js'
export {sshfsArgs} from './machine-mount.js'
export {runNativeSsh} from './native-ssh.js'
export {parsePathOnMachine} from './remote-path.js'
export {checkKeyForOpenSsh, machineSshAccess, remoteCommand, sshArgs, type SshAccess} from './ssh-access.js'
