import {readFileSync} from 'node:fs'
import {describe, expect, it} from 'vitest'
import {DESCRIBED_BY_THROWER, ERROR_WORDING, wordError} from '../../../src/cli/error-wording.js'
import {BerthError, MachineConfigError, type BerthErrorOptions, MachineExistsError, MachineUnreadableError, PreCreateCheckError, TimeoutError} from '../../../src/core/errors.js'
import {joinProse, prose, run} from '../../../src/core/fix.js'
import {CertificateInvalidError} from '../../../src/core/machine/engine-access.js'
import {SshConnectionError, SshKeyError} from '../../../src/core/ssh/errors.js'

/** Every code of the ErrorCodes interface, as its source declares it. */
function declaredCodes(): string[] {
  const source = readFileSync(new URL('../../../src/core/errors.ts', import.meta.url), 'utf8')
  const start = source.indexOf('export interface ErrorCodes {')
  const body = source.slice(start, source.indexOf('\n}\n', start))
  return [...body.matchAll(/^ {2}'([a-z-]+)':/gm)].map((match) => match[1]!)
}

/** An error of that code and data as the user sees it (the thrower's message is never shown for a worded code). */
function worded(options: BerthErrorOptions): {message: string; hint: string | undefined} {
  return wordError(new BerthError('-', options))
}

describe('the catalogue of error wordings', () => {
  const codes = declaredCodes()

  it('words every code, or lists it as described by its thrower, and never both', () => {
    expect(codes.length).toBeGreaterThan(50)
    const worded = Object.keys(ERROR_WORDING)
    const unchosen = codes.filter((code) => !worded.includes(code) && !DESCRIBED_BY_THROWER.includes(code as never))
    expect(unchosen).toEqual([])
    expect(worded.filter((code) => DESCRIBED_BY_THROWER.includes(code as never))).toEqual([])
    expect(new Set(DESCRIBED_BY_THROWER).size).toBe(DESCRIBED_BY_THROWER.length)
  })

  it('names only declared codes', () => {
    expect([...Object.keys(ERROR_WORDING), ...DESCRIBED_BY_THROWER].filter((code) => !codes.includes(code))).toEqual([])
  })
})

describe('wordError', () => {
  it('words a code from its data, with the commands spelled', () => {
    expect(wordError(new MachineExistsError('m1'))).toEqual({message: 'Machine "m1" already exists.', hint: 'Choose another name, or remove it first with "berth rm m1".'})
  })

  it('words the stale docker contexts prune could not remove, with the command to run again', () => {
    const error = new BerthError('1 of 3 stale docker contexts could not be removed.', {code: 'contexts-kept', data: {kept: 1, total: 3}})
    expect(wordError(error)).toEqual({message: '1 of 3 stale docker contexts could not be removed.', hint: 'Fix what the lines above name, then run "berth contexts prune" again.'})
  })

  it('puts what the thrower adds to a worded code\'s hint after it', () => {
    const error = new MachineExistsError('m1')
    const retried = new BerthError(error.message, {...error.kind, hint: prose`Then run ${run('ls')}.`})
    expect(wordError(retried).hint).toBe('Choose another name, or remove it first with "berth rm m1". Then run "berth ls".')
  })

  it('shows a described code as its thrower said it', () => {
    const error = new BerthError('The host said no.', {code: 'ssh-failed', hint: joinProse(['Look at it.', prose`Then ${run('provision', 'm1')}.`])})
    expect(wordError(error)).toEqual({message: 'The host said no.', hint: 'Look at it. Then "berth provision m1".'})
  })

  it('words a failed pre-create check as the check\'s own error, which keeps its fixes', () => {
    const check = new BerthError('Unknown driver "x".', {code: 'unknown-driver', data: {driver: 'x', available: ['a', 'b']}, fixes: [run('drivers')]})
    const failed = new PreCreateCheckError(check.message, check)
    expect(failed.exitCode).toBe(3)
    expect(failed.fixes).toEqual([run('drivers')])
    expect(wordError(failed)).toEqual({message: 'Unknown driver "x".', hint: 'Available drivers: a, b. Run "berth drivers" for details.'})
  })

  it('words a rolled-back create with its cause\'s message and a hint to create again', () => {
    const cause = new BerthError('Machine "m1" has no engine address yet: its creation did not finish.', {code: 'engine-address-missing', data: {machine: 'm1'}, fixes: [run('provision', 'm1')]})
    const rolledBack = new BerthError(cause.message, {code: 'creation-rolled-back', data: {machine: 'm1'}, cause})
    expect(wordError(rolledBack)).toEqual({
      message: 'Machine "m1" has no engine address yet: its creation did not finish ("berth provision m1" finishes it).',
      hint: 'Fix the cause, then run the same "berth create" again.',
    })
    const elsewhere = new BerthError('Machine "m2" already exists.', {code: 'creation-rolled-back', data: {machine: 'm1'}, cause: new MachineExistsError('m2')})
    expect(wordError(elsewhere).hint).toBe('Choose another name, or remove it first with "berth rm m2".')
  })

  it('words a failed rm through its cause, with the retry after the cause\'s own fix', () => {
    const cause = new BerthError('The cloud said no.', {code: 'cloud-api', data: {}, hint: 'Check the account.'})
    const kept = new BerthError(cause.message, {code: 'remove-failed', data: {machine: 'm1', resourcesLeft: 2}, fixes: [run('rm', 'm1')], cause})
    expect(wordError(kept)).toEqual({message: 'The cloud said no.', hint: 'Check the account. The machine is kept with the 2 resources left; run "berth rm m1" again once the cause is fixed.'})
    const plain = new BerthError('Cannot remove "m1": boom', {code: 'remove-failed', data: {machine: 'm1', resourcesLeft: 0}, fixes: [run('rm', 'm1', ['-f'])], cause: new Error('boom')})
    expect(wordError(plain)).toEqual({message: 'Cannot remove "m1": boom', hint: 'To remove its local state anyway, run "berth rm -f m1".'})
  })

  it('gives an error that rewords its cause the cause\'s fix, as the CLI words it', () => {
    const cause = new MachineExistsError('m1')
    const timedOut = new TimeoutError(`Timed out: ${cause.message}`, {code: 'ssh-failed', hintFromCause: true, cause})
    expect(timedOut.fixes).toEqual([run('rm', 'm1')])
    expect(wordError(timedOut)).toEqual({message: 'Timed out: Machine "m1" already exists.', hint: 'Choose another name, or remove it first with "berth rm m1".'})
  })
})

describe('codes worded whole from their data', () => {
  it('words a machine whose configuration cannot be used, with the fix its data names', () => {
    expect(wordError(new MachineConfigError('m1', 'config.json is missing', {kind: 'remove'}))).toEqual({
      message: 'Machine "m1" cannot be loaded: config.json is missing',
      hint: 'Remove it with "berth rm -f m1".',
    })
    expect(wordError(new MachineConfigError('m1', 'config.json is not valid JSON (bad)', {kind: 'edit', path: '/s/machines/m1/config.json'})).hint).toBe('Fix or remove /s/machines/m1/config.json.')
    expect(wordError(new MachineConfigError('m1', 'config.json is version 9, written by a newer berth (this one reads up to 1)', {kind: 'upgrade'})).hint).toBe('Upgrade berth to use this machine.')
    expect(wordError(new MachineConfigError('m2', 'config.json names the machine "m1"', {kind: 'none'})).hint).toBeUndefined()
  })

  it('words an unreadable machine with the access it needs', () => {
    const error = new MachineUnreadableError('m1', '/s/machines/m1 cannot be searched (permission denied).', {kind: 'access', path: '/s/machines/m1', mode: '700', owner: {uid: 0, you: 1000}})
    expect(wordError(error)).toEqual({
      message: 'Machine "m1" cannot be loaded: /s/machines/m1 cannot be searched (permission denied).',
      hint: 'Give yourself access: sudo chown 1000 /s/machines/m1 (it belongs to uid 0), then chmod 700 /s/machines/m1.',
    })
  })

  it('words a host without an address, in the driver\'s terms', () => {
    const droplet = new BerthError('-', {code: 'host-address-missing', data: {machine: 'd1', host: 'Droplet 42', address: 'public IPv4', state: 'off'}})
    expect(wordError(droplet)).toEqual({message: 'Droplet 42 of machine "d1" has no public IPv4 address (it is off).', hint: 'Start it with "berth start d1".'})
    const vm = new BerthError('-', {code: 'host-address-missing', data: {machine: 'a1', address: 'public IP'}})
    expect(wordError(vm).message).toBe('Machine "a1" has no public IP address yet.')
  })

  it('words a failed provisioning step with its cause, what was undone and the engine\'s log', () => {
    const cause = new MachineExistsError('m1')
    const failed = new BerthError('-', {code: 'provision-failed', data: {machine: 'm1', step: 'engine.start', title: 'Starting the engine', undone: 'berth undid its changes', engineLog: 'line 1\nline 2\n'}, cause})
    expect(wordError(failed)).toEqual({
      message: 'Provisioning failed at step "engine.start" (Starting the engine): Machine "m1" already exists. berth undid its changes.\nLast lines of the engine\'s log:\nline 1\nline 2',
      hint: 'Choose another name, or remove it first with "berth rm m1".',
    })
    const plain = new BerthError('-', {code: 'provision-failed', data: {machine: 'm1', step: 'os.detect', title: 'Detecting the operating system'}, cause: new Error('exit 1')})
    expect(wordError(plain)).toEqual({
      message: 'Provisioning failed at step "os.detect" (Detecting the operating system): exit 1.',
      hint: 'Fix the cause, then run "berth provision m1" to finish; every step is safe to repeat.',
    })
  })
})

describe('SSH failures worded from their data', () => {
  const endpoint = {host: '10.0.0.5', port: 2222, user: 'root'}

  it('words a failed connection with the check its kind calls for, naming the flag that sets what to change', () => {
    const refused = new SshConnectionError(endpoint, 'refused', 'refused the connection (ECONNREFUSED).', {flags: {port: '--generic-ssh-port'}})
    expect(wordError(refused)).toEqual({message: 'SSH on root@10.0.0.5:2222 refused the connection (ECONNREFUSED).', hint: 'Is sshd listening on that port? --generic-ssh-port sets it.'})
    const other = new SshConnectionError({...endpoint, port: 22}, 'other', 'failed: SFTP is not available: no')
    expect(wordError(other)).toEqual({message: 'SSH on root@10.0.0.5 failed: SFTP is not available: no', hint: undefined})
  })

  it('words a wait for SSH that ran out with the last error and its check', () => {
    const last = new SshConnectionError(endpoint, 'unresolved', 'cannot be reached: its host name is not found (ENOTFOUND).', {flags: {address: '--generic-ip-address'}})
    const timedOut = new TimeoutError('-', {code: 'ssh-timeout', data: {...endpoint, attempts: 4, waited: '3.1'}, cause: last})
    expect(wordError(timedOut)).toEqual({
      message: 'Timed out after 3.1 s waiting for SSH on root@10.0.0.5:2222 (4 attempts); last error: SSH on root@10.0.0.5:2222 cannot be reached: its host name is not found (ENOTFOUND).',
      hint: 'Check the host name and this computer\'s DNS. --generic-ip-address sets the name. Or allow more time with --ssh-timeout.',
    })
    const bare = new TimeoutError('-', {code: 'ssh-timeout', data: {...endpoint, attempts: 2, waited: '1.0'}, cause: new SshConnectionError(endpoint, 'other', 'failed: no')})
    expect(wordError(bare).hint).toBe('Check that the host is running and that port 2222 is open to this computer. Or allow more time with --ssh-timeout.')
  })

  it('words each problem of an SSH key with what berth needs instead', () => {
    expect(wordError(new SshKeyError('/s/machines/m1/id_rsa', 'unsupported key format'))).toEqual({
      message: 'Cannot use the SSH key /s/machines/m1/id_rsa: unsupported key format.',
      hint: 'berth needs an unencrypted private key in OpenSSH or PEM format.',
    })
    const unreadable = new BerthError('-', {code: 'ssh-key-unreadable', data: {flag: '--generic-ssh-key', path: '/k/id', atFault: '/k', problem: 'cannot be searched (permission denied)', access: true}})
    expect(wordError(unreadable)).toEqual({
      message: '--generic-ssh-key "/k/id": "/k" cannot be searched (permission denied).',
      hint: 'Make it readable (chmod u+r "/k"), or give an unencrypted private key in OpenSSH or PEM format (the file without ".pub").',
    })
    const missing = new BerthError('-', {code: 'ssh-key-unreadable', data: {flag: '--generic-ssh-key', path: '/k/id', atFault: '/k/id', problem: 'does not exist', access: false}})
    expect(wordError(missing)).toEqual({message: '--generic-ssh-key "/k/id" does not exist.', hint: 'Give an unencrypted private key in OpenSSH or PEM format (the file without ".pub").'})
    expect(wordError(new BerthError('-', {code: 'ssh-key-passphrase', data: {flag: '--generic-ssh-key', path: '/k/id'}}))).toEqual({
      message: '--generic-ssh-key "/k/id" is protected by a passphrase, and berth cannot be given one.',
      hint: 'Give a key without a passphrase, e.g. a copy with it removed: cp KEY KEY.berth && ssh-keygen -p -N "" -f KEY.berth.',
    })
    expect(wordError(new BerthError('-', {code: 'ssh-key-unparsable', data: {flag: '--generic-ssh-key', path: '/k/id', reason: 'unsupported key format'}})).message)
      .toBe('--generic-ssh-key "/k/id" is not a private key berth can read (unsupported key format).')
    expect(wordError(new BerthError('-', {code: 'ssh-key-public', data: {flag: '--generic-ssh-key', path: '/k/id.pub', type: 'ssh-ed25519', privateHalf: '/k/id'}}))).toEqual({
      message: '--generic-ssh-key "/k/id.pub" is a public key (ssh-ed25519); berth needs the private key that goes with it.',
      hint: 'Give "/k/id", the file without ".pub".',
    })
  })
})

describe('certificate problems worded from their data', () => {
  it('words a machine certificate that cannot be used, with the regeneration that fixes it', () => {
    expect(wordError(new CertificateInvalidError('m1', 'server certificate', {kind: 'expired', notAfter: new Date('2024-01-02T00:00:00Z')}))).toEqual({
      message: 'Cannot use machine "m1": the server certificate of "m1" expired on 2024-01-02.',
      hint: 'Run "berth regenerate-certs m1" to issue new certificates (the engine restarts).',
    })
    expect(wordError(new CertificateInvalidError('m1', 'client certificate', {kind: 'untrusted', reason: 'it is not PEM'})).hint).toBe('Run "berth regenerate-certs --client-certs m1".')
    expect(worded({code: 'client-key-mismatch', data: {machine: 'm1', key: '/m/key.pem', certificate: '/m/cert.pem'}})).toEqual({
      message: 'Cannot use machine "m1": its client key /m/key.pem does not belong to its client certificate /m/cert.pem.',
      hint: 'Run "berth regenerate-certs --client-certs m1".',
    })
    expect(worded({code: 'client-certificates-missing', data: {machine: 'm1', reason: 'ENOENT: no such file'}}).message).toBe('Machine "m1" is missing its client certificates (ENOENT: no such file).')
    expect(worded({code: 'own-client-certificate'})).toEqual({
      message: 'The client certificate is your own (--tls-client-cert/--tls-client-key); berth does not replace it.',
      hint: 'Issue a new one from your CA and point the flags at it.',
    })
  })

  it('words a failed check of a registered engine through its cause, whose fix wins', () => {
    const stopped = new BerthError('-', {code: 'machine-not-running', data: {machine: 'm1', state: 'Stopped', driver: 'virtualbox', startable: true}, fixes: [run('start', 'm1'), run('status', 'm1')]})
    expect(worded({code: 'engine-check-failed', data: {machine: 'm1'}, cause: stopped})).toEqual({
      message: 'Cannot use machine "m1": Machine "m1" is not running (state: Stopped).',
      hint: 'Start it with "berth start m1"; "berth status m1" shows its state.',
    })
    expect(worded({code: 'engine-check-failed', data: {machine: 'm1'}, cause: new Error('boom')}).hint).toBe('Run "berth regenerate-certs m1" to issue new certificates (the engine restarts).')
  })

  it('sends a machine that is not running to start only when its driver can start it', () => {
    expect(worded({code: 'machine-not-running', data: {machine: 'g1', state: 'Paused', driver: 'generic', startable: false}})).toEqual({
      message: 'Machine "g1" is not running (state: Paused).',
      hint: 'The generic driver cannot start it: start the host by other means.',
    })
    expect(worded({code: 'host-unreachable', data: {machine: 'g1', host: '10.0.0.5', port: 22, reason: 'no route to host'}})).toEqual({
      message: 'The host of machine "g1" does not answer on 10.0.0.5:22: no route to host.',
      hint: 'Check that the host is up and that this computer reaches it on port 22; once it answers, "berth ls" shows it Running.',
    })
  })

  it('words each problem of the store\'s CA and client certificate', () => {
    expect(worded({code: 'certificate-file-unusable', data: {flag: '--tls-ca-cert', path: '/c', what: 'CA certificate', fault: 'directory', problem: 'is a directory, not a file', suggested: '/c/ca.pem'}})).toEqual({
      message: '--tls-ca-cert /c is a directory, not a file.',
      hint: 'Give the CA certificate file itself, e.g. --tls-ca-cert /c/ca.pem.',
    })
    expect(worded({code: 'certificate-file-unusable', data: {flag: '--tls-ca-key', path: '/n/k.pem', what: 'CA key', fault: 'access', problem: 'cannot be searched (permission denied)', atFault: '/n'}})).toEqual({
      message: '--tls-ca-key /n/k.pem: /n cannot be searched (permission denied).',
      hint: 'Make it readable (chmod u+r /n), or give another file.',
    })
    expect(worded({code: 'ca-key-missing', data: {caCert: '/s/ca.pem', caKey: '/s/ca-key.pem', owned: true}})).toEqual({
      message: 'The CA certificate /s/ca.pem has no private key at /s/ca-key.pem.',
      hint: 'Restore /s/ca-key.pem, or remove /s/ca.pem so that berth makes a new CA (existing machines then need "berth regenerate-certs").',
    })
    expect(worded({code: 'ca-key-missing', data: {caCert: '/u/ca.pem', caKey: '/u/ca-key.pem', owned: false}}).hint).toBe('Give the CA key with --tls-ca-key.')
    expect(worded({code: 'ca-certificate-missing', data: {caKey: '/u/k.pem', caCert: '/u/c.pem'}})).toEqual({
      message: 'The CA key /u/k.pem has no certificate at /u/c.pem.',
      hint: 'Give the CA certificate that belongs to this key with --tls-ca-cert.',
    })
    expect(worded({code: 'ca-expired', data: {path: '/u/c.pem', expired: '2022-12-15'}})).toEqual({
      message: 'The CA certificate /u/c.pem expired on 2022-12-15.',
      hint: 'Renew it, or leave out --tls-ca-cert and --tls-ca-key to use the store\'s own CA.',
    })
    expect(worded({code: 'client-certificate-incomplete', data: {certificate: '/u/cert.pem', key: '/u/key.pem'}})).toEqual({
      message: 'The client certificate /u/cert.pem and its key /u/key.pem must both exist.',
      hint: 'Give both with --tls-client-cert and --tls-client-key, or neither to use the store\'s own.',
    })
    expect(worded({code: 'ca-key-open', data: {path: '/s/ca-key.pem', mode: '0644'}})).toEqual({
      message: 'The CA key /s/ca-key.pem is open to other users (mode 0644).',
      hint: 'Run "chmod 600 /s/ca-key.pem": anyone who can read it can issue certificates your machines trust.',
    })
    expect(worded({code: 'certificate-unreadable', data: {path: '/s/c.pem', atFault: '/s', problem: 'is not a directory'}})).toEqual({message: 'Cannot read /s/c.pem: /s is not a directory.', hint: 'Fix or remove /s.'})
    expect(worded({code: 'ca-key-mismatch', data: {caKey: '/k', caCert: '/c'}}).message).toBe('The CA key /k does not belong to the CA certificate /c.')
    expect(worded({code: 'ca-key-mismatch', data: {}}).message).toBe('The CA key does not belong to the CA certificate.')
    expect(worded({code: 'ca-certificate-unusable', data: {path: '/c', reason: 'it is not PEM'}}).message).toBe('The CA certificate /c is unusable: it is not PEM.')
    expect(worded({code: 'ca-invalid', data: {problem: 'not-rsa', keyType: 'ec'}}).message).toBe('The CA key is of type ec; berth can sign only with an RSA CA key.')
    expect(worded({code: 'ca-invalid', data: {problem: 'not-a-ca', subject: 'O=corp'}}).message).toBe('The CA certificate (O=corp) is not a CA: its basic constraints do not allow signing certificates.')
  })
})

describe('provisioning problems worded from their data', () => {
  it('words a failed script on the host with its exit status and last line', () => {
    expect(worded({code: 'host-script-failed', data: {status: 2, output: 'No space left on device', action: 'undo its changes'}}))
      .toEqual({message: 'berth could not undo its changes on the host: exit 2: No space left on device', hint: undefined})
    expect(worded({code: 'host-script-failed', data: {status: 1, output: ''}}).message).toBe('exit 1')
    expect(worded({code: 'host-read-failed', data: {what: 'facts', status: 127, output: 'sh: not found'}}).message).toBe('Could not read the host\'s facts (exit 127): sh: not found')
    expect(worded({code: 'host-read-failed', data: {what: 'engine-binary', status: 1, output: 'denied'}}).message).toBe('Could not read the engine\'s binary on the host (exit 1): denied')
  })

  it('words what the host lacks, and what an engine option cannot be', () => {
    expect(worded({code: 'engine-not-installed'})).toEqual({
      message: 'The host has no Docker engine (dockerd is not on the PATH) and --engine-install-url is "none".',
      hint: 'Install the engine on the host, or pass an install URL.',
    })
    expect(worded({code: 'engine-install-incomplete'}).message).toBe('The engine was installed, but dockerd is not on the PATH.')
    expect(worded({code: 'init-system-unsupported'}).message).toBe('The host has no init system berth can manage the engine with (systemd, sysvinit or OpenRC).')
    expect(worded({code: 'engine-option-unpassable', data: {option: 'a b', init: 'openrc'}})).toEqual({
      message: 'The engine option "a b" is empty or contains whitespace or a glob character, which the openrc init script cannot pass to dockerd.',
      hint: 'Use a value without spaces or * ? [ ], or a host with systemd.',
    })
    expect(worded({code: 'engine-option-unpassable', data: {option: 'a\u0000'}}).message).toBe('The engine option "a\\u0000" contains a NUL byte, which no command line can hold.')
  })

  it('words berth\'s own faults: a missing templates/ directory and a template that does not fit its values', () => {
    expect(worded({code: 'templates-missing'})).toEqual({message: 'berth\'s templates/ directory is missing from its installation.', hint: 'Reinstall berth.'})
    expect(worded({code: 'template-mismatch', data: {template: 'a.sh', missing: 'url'}}).message).toBe('Template a.sh needs a value for {{url}}.')
    expect(worded({code: 'template-mismatch', data: {template: 'a.sh', unused: ['x', 'y']}}).message).toBe('Template a.sh has no place for x, y.')
    expect(worded({code: 'engine-plan-missing'}).message).toBe('berth has no engine configuration planned for this host.')
  })
})

describe('waits that ran out, worded from their data', () => {
  it('words a wait for a state, with the SSH try that says why when there is one', () => {
    const data = {machine: 'g1', state: 'Stopped', wanted: 'Running', seconds: 30}
    expect(worded({code: 'state-wait-timed-out', data})).toEqual({message: 'Machine "g1" was still Stopped after 30s, waiting for Running.', hint: undefined})
    const refused = new SshConnectionError({host: '10.0.0.5', port: 22, user: 'root'}, 'refused', 'refused the connection (ECONNREFUSED).')
    expect(worded({code: 'state-wait-timed-out', data, hintFromCause: true, cause: refused})).toEqual({
      message: 'Machine "g1" was still Stopped after 30s, waiting for Running: SSH on root@10.0.0.5 refused the connection (ECONNREFUSED).',
      hint: 'Is sshd listening on that port?',
    })
  })

  it('words a reboot that did not happen, and one that did not come back', () => {
    expect(worded({code: 'reboot-timed-out', data: {machine: 'm1', seconds: 60, sameBoot: true}})).toEqual({
      message: 'Machine "m1" was still running the same boot after 60s: the reboot did not happen.',
      hint: 'Check the host\'s console or logs, or allow more time with --timeout.',
    })
    expect(worded({code: 'reboot-timed-out', data: {machine: 'm1', seconds: 60, sameBoot: false}, cause: new Error('connect ECONNREFUSED')})).toEqual({
      message: 'Machine "m1" did not come back over SSH within 60s of its restart: connect ECONNREFUSED',
      hint: 'Check the host\'s console, or allow more time with --timeout.',
    })
  })

  it('words an engine that did not answer, and a host that runs without it', () => {
    const engine = new TimeoutError('-', {code: 'engine-wait-timed-out', data: {url: 'tcp://10.0.0.5:2376', seconds: 120}, cause: new Error('connect ECONNREFUSED 10.0.0.5:2376')})
    expect(wordError(engine).message).toBe('The engine at tcp://10.0.0.5:2376 did not answer over TLS within 120s: connect ECONNREFUSED 10.0.0.5:2376')
    expect(worded({code: 'engine-not-answering', data: {machine: 'm1'}, cause: engine})).toEqual({
      message: 'Machine "m1" runs, but The engine at tcp://10.0.0.5:2376 did not answer over TLS within 120s: connect ECONNREFUSED 10.0.0.5:2376',
      hint: 'Run "berth provision m1" to configure and start the engine again, or allow more time with --timeout.',
    })
  })

  it('words a lock that stayed taken, naming its holder when known', () => {
    expect(worded({code: 'lock-timed-out', data: {seconds: 0.3, lock: '/s/.lock', holder: {pid: 42, purpose: 'changing "m1"'}}})).toEqual({
      message: 'Timed out after 0.3s waiting for berth (pid 42), which is changing "m1".',
      hint: 'Wait for that berth command to finish (or stop it), then run this again.',
    })
    expect(worded({code: 'lock-timed-out', data: {seconds: 2, lock: '/s/.lock'}}).message).toBe('Timed out after 2s waiting for the lock /s/.lock.')
  })

  it('words the other waits: a driver\'s, a command\'s, active\'s and a process that would not exit', () => {
    expect(worded({code: 'wait-timed-out', data: {still: 'Droplet 42 was still "new"', seconds: 300}}).message).toBe('Droplet 42 was still "new" after 300s.')
    expect(worded({code: 'command-timed-out', data: {command: 'docker version', ms: 5000}}).message).toBe('The command "docker version" did not finish within 5000 ms.')
    expect(worded({code: 'active-timed-out'})).toEqual({message: 'Error getting active host: timeout.', hint: 'Raise --timeout, or check the machines with "berth ls".'})
    expect(worded({code: 'process-did-not-exit', data: {program: 'QEMU', pid: '4242'}}).message).toBe('QEMU (process 4242) did not exit.')
  })
})

describe('bad input worded from its data', () => {
  it('words a flag value of the wrong form, and a --tls-san that cannot be a SAN', () => {
    expect(worded({code: 'flag-value-malformed', data: {flag: '--engine-env', value: '1X=2', form: 'NAME=value'}})).toEqual({message: '--engine-env "1X=2" is not of the form NAME=value.', hint: undefined})
    expect(worded({code: 'tls-san-invalid', data: {value: '', kind: 'empty'}}).message).toBe('--tls-san needs a name or an address.')
    expect(worded({code: 'tls-san-invalid', data: {value: '1.2.3', kind: 'not-ipv4', problem: 'it has 3 parts, not 4'}})).toEqual({
      message: '"1.2.3" is not an IPv4 address (it has 3 parts, not 4), so it cannot be a certificate SAN.',
      hint: 'Give --tls-san an IP address or a host name such as docker.example.com.',
    })
    expect(worded({code: 'tls-san-invalid', data: {value: 'a b', kind: 'not-a-name'}}).message).toBe('"a b" is neither an IP address nor a DNS name, so it cannot be a certificate SAN.')
  })

  it('words a filter berth cannot read, quoted as Docker Machine quotes it', () => {
    expect(worded({code: 'filter-invalid', data: {kind: 'syntax', filter: 'driver'}})).toEqual({message: 'Unsupported filter syntax \'driver\': use key=value.', hint: 'For example: --filter driver=generic --filter state=running'})
    expect(worded({code: 'filter-invalid', data: {kind: 'key', key: 'colour', keys: ['driver', 'state']}})).toEqual({message: 'Unsupported filter key \'colour\'.', hint: 'Filter keys: driver, state.'})
    expect(worded({code: 'filter-invalid', data: {kind: 'regexp', filter: 'name=[', reason: 'missing closing ]: `[`'}}).message).toBe('Invalid regular expression in filter \'name=[\': missing closing ]: `[`.')
  })

  it('words an address that is none, with the forms accepted', () => {
    expect(worded({code: 'address-invalid', data: {flag: '--generic-ip-address', value: '1.2.3.999', problem: '999 is more than 255', expected: 'ipv4'}})).toEqual({
      message: '--generic-ip-address "1.2.3.999" is not an IPv4 address: 999 is more than 255.',
      hint: 'Give four numbers from 0 to 255 joined by dots, e.g. 10.0.0.20.',
    })
    const url = worded({code: 'address-invalid', data: {flag: '--url', value: 'tcp://a_b:2376', problem: 'it has a _', expected: 'host', host: 'a_b'}})
    expect(url.message).toBe('--url "tcp://a_b:2376" does not name a host: "a_b" is not an address or host name (it has a _).')
    expect(url.hint).toMatch(/^Give an IPv4 address \(four numbers from 0 to 255/)
  })

  it('words a create without a driver, a shell berth does not know and an engine setting to remove that is not there', () => {
    expect(worded({code: 'no-driver-chosen', data: {available: ['generic', 'qemu']}})).toEqual({message: 'No driver chosen.', hint: 'Pass -d DRIVER; available: generic, qemu.'})
    expect(worded({code: 'no-driver-chosen', data: {available: ['generic', 'qemu'], unusable: ['qemu: no KVM']}})).toEqual({
      message: 'No driver chosen, and no local driver works here (qemu: no KVM).',
      hint: 'Pass -d DRIVER; available: generic, qemu. "berth drivers" says how to make one work.',
    })
    expect(worded({code: 'unknown-shell', data: {shell: 'csh', supported: ['bash', 'fish']}})).toEqual({
      message: 'Unknown shell "csh": supported shells are bash, fish.',
      hint: 'Pass one of them with --shell, or leave --shell out to use the shell named by $SHELL.',
    })
    expect(worded({code: 'engine-setting-absent', data: {flag: '--engine-label-rm', name: 'tier'}})).toEqual({
      message: '--engine-label-rm tier: the machine has no such engine setting.',
      hint: 'Run "berth inspect -f \'{{json .HostOptions.EngineOptions}}\' NAME" to see what it has.',
    })
    expect(worded({code: 'engine-setting-absent', data: {flag: '--engine-storage-driver-rm'}}).message).toBe('--engine-storage-driver-rm: the machine has no storage driver set.')
  })

  it('words what use, mount and scp need', () => {
    expect(worded({code: 'use-needs-machine'})).toEqual({message: 'Name the machine to use.', hint: 'Run "berth use NAME", or "berth use --unset".'})
    expect(worded({code: 'mount-needs-machine'}).message).toBe('berth mount mounts a machine\'s directory: name the machine as MACHINE:PATH.')
    expect(worded({code: 'mountpoint-missing'})).toEqual({message: 'No mountpoint: the machine path is empty (the home directory).', hint: 'Name a local directory after it.'})
    expect(worded({code: 'mountpoint-unusable', data: {path: '/mnt/x', problem: 'missing'}})).toEqual({message: 'The mountpoint /mnt/x does not exist.', hint: 'Create it first: mkdir -p /mnt/x'})
    expect(worded({code: 'mountpoint-unusable', data: {path: '/mnt/x', problem: 'mounted'}})).toEqual({
      message: 'Something is mounted on /mnt/x already.',
      hint: 'Unmount it first (berth mount -u MACHINE:PATH /mnt/x), or choose another directory.',
    })
    expect(worded({code: 'copy-needs-machine'}).hint).toBe('Write MACHINE:PATH on one side (localhost:PATH or a plain path is local).')
    expect(worded({code: 'delta-between-machines'})).toEqual({message: '--delta (rsync) cannot copy from one machine to another.', hint: 'Copy without --delta (scp through this computer), or in two steps.'})
  })
})
