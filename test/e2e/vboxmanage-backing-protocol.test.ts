import {writeFile} from 'node:fs/promises'
import {createServer, type Server} from 'node:net'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'
import {makeVBoxSimulator, type VBoxSimulator} from '../simulators/vboxmanage/index.js'
import {parseSeed} from '../simulators/vboxmanage/seed.js'
import {paths} from '../simulators/vboxmanage/state.js'

// The simulator's side of the host backing without any host: what reaches the socket, and what a failing or
// silent backing does to the call and to the VM's state. Needs the compiled simulator (npm run build).
describe('VBoxManage simulator reporting to a host backing', () => {
  let sim: VBoxSimulator
  let server: Server | undefined
  const requests: Array<{op: string, vm: {name: string}, add?: {name: string}, delete?: string}> = []

  /** A backing on the simulator's socket that records each request and answers with answer(request). */
  async function listen(answer: (request: (typeof requests)[number]) => string | undefined) {
    server = createServer({allowHalfOpen: true}, (connection) => {
      let text = ''
      connection.setEncoding('utf8')
      connection.on('data', (chunk: string) => {
        text += chunk
      })
      connection.on('end', () => {
        const request = JSON.parse(text) as (typeof requests)[number]
        requests.push(request)
        const reply = answer(request)
        if (reply === undefined) connection.destroy()
        else connection.end(reply)
      })
    })
    await new Promise<void>((resolve) => server!.listen(paths(sim.dir).backing, () => resolve()))
  }

  const ok = async (...args: string[]) => {
    const result = await sim.run(...args)
    expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(0)
    return result.stdout
  }
  const state = async (name: string) => /^VMState="(.*)"$/m.exec(await ok('showvminfo', name, '--machinereadable'))?.[1]

  beforeEach(async () => {
    sim = await makeVBoxSimulator()
    requests.length = 0
    await ok('createvm', '--name', 'm', '--register')
    await ok('modifyvm', 'm', '--nic1', 'nat', '--natpf1', 'ssh,tcp,127.0.0.1,2222,,22')
  })

  /** Close the backing; the socket goes with it, and the simulator stops reporting. */
  async function stopListening() {
    const held = server
    server = undefined
    if (held) await new Promise<void>((resolve) => held.close(() => resolve()))
  }

  afterEach(async () => {
    await stopListening()
    await sim.remove()
  })

  it('reports each state change after its own checks, and not the calls the simulator refuses', async () => {
    await listen(() => '{"ok":true}\n')
    await ok('startvm', 'm', '--type', 'headless')
    expect((await sim.run('startvm', 'm')).code).toBe(1)
    await ok('controlvm', 'm', 'natpf1', 'web,tcp,,8080,,80')
    expect((await sim.run('controlvm', 'm', 'natpf1', 'web,tcp,,8081,,80')).code).toBe(1)
    await ok('controlvm', 'm', 'natpf1', 'delete', 'web')
    await ok('controlvm', 'm', 'reset')
    await ok('controlvm', 'm', 'poweroff')
    await ok('startvm', 'm', '--type', 'headless')
    await ok('controlvm', 'm', 'pause')
    await ok('controlvm', 'm', 'resume')
    await ok('controlvm', 'm', 'savestate')
    await ok('startvm', 'm', '--type', 'headless')
    await sim.ignoreAcpi('m')
    await ok('controlvm', 'm', 'acpipowerbutton')
    await sim.ignoreAcpi()
    await ok('controlvm', 'm', 'acpipowerbutton')
    await ok('unregistervm', 'm', '--delete')
    expect(requests.map((request) => [request.op, request.vm.name, request.add?.name ?? request.delete])).toEqual([
      ['start', 'm', undefined],
      ['natpf', 'm', 'web'],
      ['natpf', 'm', 'web'],
      ['reset', 'm', undefined],
      ['poweroff', 'm', undefined],
      ['start', 'm', undefined],
      ['savestate', 'm', undefined],
      ['start', 'm', undefined],
      ['acpipowerbutton', 'm', undefined],
      ['unregister', 'm', undefined],
    ])
  })

  it('fails the call with E_FAIL and changes nothing when the backing fails or gives no answer', async () => {
    await listen((request) => request.op === 'start' ? '{"ok":false,"error":"no room for another host"}\n' : undefined)
    const start = await sim.run('startvm', 'm', '--type', 'headless')
    expect(start.code).toBe(1)
    expect(start.stderr).toBe([
      'VBoxManage: error: Host backing: no room for another host',
      'VBoxManage: error: Details: code E_FAIL (0x80004005), component ConsoleWrap, interface IConsole, callee nsISupports',
      'VBoxManage: error: Context: "PowerUp(progress.asOutParam())"',
      '',
    ].join('\n'))
    expect(await state('m')).toBe('poweroff')

    await stopListening()
    await ok('startvm', 'm', '--type', 'headless')
    await listen((request) => request.op === 'natpf' ? '{"ok":false,"error":"port 8080 is taken"}\n' : undefined)
    const natpf = await sim.run('controlvm', 'm', 'natpf1', 'web,tcp,,8080,,80')
    expect(natpf.code).toBe(1)
    expect(natpf.stderr).toContain('component NATEngineWrap, interface INATEngine')
    expect(await ok('showvminfo', 'm', '--machinereadable')).not.toContain('web,tcp')
    expect((await sim.run('controlvm', 'm', 'poweroff')).code).toBe(1)
    expect(await state('m')).toBe('running')
    await stopListening()
    await ok('controlvm', 'm', 'poweroff')
    await listen(() => undefined)

    const unregister = await sim.run('unregistervm', 'm', '--delete')
    expect(unregister.code).toBe(1)
    expect(unregister.stderr).toContain('VBoxManage: error: Host backing: the host backing gave no answer')
    expect(unregister.stderr).toContain('component MachineWrap, interface IMachine')
    expect(await state('m')).toBe('poweroff')
  })

  it('fails the call when the socket is there but nothing listens', async () => {
    await ok('startvm', 'm', '--type', 'headless')
    await listen(() => '{"ok":true}\n')
    // A closed server leaves no socket; a socket file nobody serves is what a crashed backing leaves.
    await stopListening()
    await writeFile(paths(sim.dir).backing, '')
    const poweroff = await sim.run('controlvm', 'm', 'poweroff')
    expect(poweroff.code).toBe(1)
    expect(poweroff.stderr).toMatch(/^VBoxManage: error: Host backing: the host backing cannot be reached: /)
    expect(await state('m')).toBe('running')
  })
})

describe('NoCloud seed as the host backing reads it', () => {
  it('reads the hostname, the first named user with its sudo rule, shell and keys, and static IPv4 addresses by MAC', () => {
    const seed = parseSeed({
      metaData: 'instance-id: iid-1\nlocal-hostname: "web-1"\n',
      userData: [
        '#cloud-config',
        'users:',
        '  - default',
        '  - name: docker',
        "    sudo: 'ALL=(ALL) NOPASSWD:ALL'",
        '    shell: /bin/bash',
        '    ssh_authorized_keys:',
        '      - "ssh-ed25519 AAAA one"',
        '      - ssh-ed25519 BBBB two # a comment',
        '  - name: other',
        '    ssh_authorized_keys: [ssh-ed25519 CCCC]',
        'ssh_pwauth: false',
      ].join('\n'),
      networkConfig: [
        'version: 2',
        'ethernets:',
        '  nat:',
        '    match:',
        '      macaddress: "08:00:27:00:00:01"',
        '    dhcp4: true',
        '  hostonly:',
        '    match:',
        '      macaddress: 08:00:27:AA:BB:CC',
        '    addresses:',
        '      - 192.168.56.10/24',
        '      - fd00::10/64',
      ].join('\n'),
    })
    expect(seed).toEqual({
      hostname: 'web-1',
      user: 'docker',
      sudo: 'ALL=(ALL) NOPASSWD:ALL',
      shell: '/bin/bash',
      authorizedKeys: ['ssh-ed25519 AAAA one', 'ssh-ed25519 BBBB two'],
      addresses: new Map([['080027000001', []], ['080027aabbcc', ['192.168.56.10']]]),
    })
  })

  it('reads flow lists, and refuses a seed without a hostname or a user', () => {
    const seed = parseSeed({
      metaData: 'local-hostname: vm1\n',
      userData: 'users:\n- name: "a\\x62c"\n  ssh_authorized_keys: ["k1", \'k2\']\n',
      networkConfig: 'version: 2\nethernets:\n    e0:\n        match:\n            macaddress: 08-00-27-00-00-05\n        addresses: [10.0.0.5/8, "10.0.0.6/8"]\n',
    })
    expect(seed.user).toBe('abc')
    expect(seed.authorizedKeys).toEqual(['k1', 'k2'])
    expect(seed.addresses).toEqual(new Map([['080027000005', ['10.0.0.5', '10.0.0.6']]]))
    expect(() => parseSeed({metaData: 'instance-id: x\n', userData: 'users:\n  - name: a\n'})).toThrow(/local-hostname/)
    expect(() => parseSeed({metaData: 'local-hostname: a\n', userData: 'users:\n  - default\n'})).toThrow(/names no user/)
  })
})
