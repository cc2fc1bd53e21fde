import {mkdtemp, readFile, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {yamlString} from '../../../src/core/provision/cloud-init-seed.js'
import {renderCloudInitSeed} from '../../../src/core/provision/index.js'
import {writeSeedIso} from '../../../src/core/vm/cloud-init.js'
import {readIso} from '../../../src/core/vm/iso9660.js'

const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEXAMPLEKEYEXAMPLEKEYEXAMPLEKEYEXAMPLEKEY12 berth@host'

describe('cloud-init NoCloud seed', () => {
  it('renders meta-data, user-data and a static network-config for one NIC', async () => {
    const seed = await renderCloudInitSeed({
      hostname: 'dev',
      user: 'docker',
      sshPublicKey: `${KEY}\n`,
      nics: [{mac: '08:00:27:AA:BB:CC', address: '192.168.56.10/24', gateway: '192.168.56.1', dns: ['1.1.1.1', '2606:4700:4700::1111']}],
    })
    expect(seed['meta-data']).toBe('instance-id: "iid-dev"\nlocal-hostname: "dev"\n')
    expect(seed['user-data']).toBe([
      '#cloud-config',
      '# Written by berth: one user, reached over SSH with berth\'s key only, with passwordless sudo.',
      'users:',
      '  - name: "docker"',
      '    sudo: "ALL=(ALL) NOPASSWD:ALL"',
      '    shell: /bin/bash',
      '    lock_passwd: true',
      '    ssh_authorized_keys:',
      `      - "${KEY}"`,
      'ssh_pwauth: false',
      'disable_root: true',
      '',
    ].join('\n'))
    expect(seed['network-config']).toBe([
      'version: 2',
      'ethernets:',
      '  berth0:',
      '    match:',
      '      macaddress: "08:00:27:aa:bb:cc"',
      '    dhcp4: false',
      '    addresses: ["192.168.56.10/24"]',
      '    routes: [{to: "0.0.0.0/0", via: "192.168.56.1"}]',
      '    nameservers:',
      '      addresses: ["1.1.1.1", "2606:4700:4700::1111"]',
      '',
    ].join('\n'))
  })

  it('asks DHCP for a NIC without an address, and leaves networking to cloud-init without NICs', async () => {
    const seed = await renderCloudInitSeed({hostname: 'h', user: 'u', sshPublicKey: KEY, instanceId: 'iid-42', nics: [{mac: '080027000001'}, {mac: '08-00-27-00-00-02', address: 'fd00::5/64', gateway: 'fd00::1'}]})
    expect(seed['meta-data']).toBe('instance-id: "iid-42"\nlocal-hostname: "h"\n')
    expect(seed['network-config']).toBe([
      'version: 2',
      'ethernets:',
      '  berth0:',
      '    match:',
      '      macaddress: "08:00:27:00:00:01"',
      '    dhcp4: true',
      '    addresses: []',
      '    routes: []',
      '    nameservers:',
      '      addresses: []',
      '  berth1:',
      '    match:',
      '      macaddress: "08:00:27:00:00:02"',
      '    dhcp4: false',
      '    addresses: ["fd00::5/64"]',
      '    routes: [{to: "::/0", via: "fd00::1"}]',
      '    nameservers:',
      '      addresses: []',
      '',
    ].join('\n'))
    expect((await renderCloudInitSeed({hostname: 'h', user: 'u', sshPublicKey: KEY}))['network-config']).toBeUndefined()
  })

  it('keeps hostile values inside one quoted scalar each', async () => {
    const seed = await renderCloudInitSeed({
      hostname: 'x"\nlocal-hostname: evil',
      user: 'a\\b\n    sudo: ALL\r\t#',
      sshPublicKey: 'ssh-ed25519 AAAA "quoted" \u2028line\u0085next\u0007bell\uFEFF\u{1F600}é',
    })
    expect(seed['meta-data']).toBe([
      'instance-id: "iid-x\\"\\nlocal-hostname: evil"',
      'local-hostname: "x\\"\\nlocal-hostname: evil"',
      '',
    ].join('\n'))
    expect(seed['user-data']).toContain('\n  - name: "a\\\\b\\n    sudo: ALL\\r\\t#"\n')
    expect(seed['user-data']).toContain('\n      - "ssh-ed25519 AAAA \\"quoted\\" \\u2028line\\x85next\\x07bell\\uFEFF\u{1F600}é"\n')
    // Nothing but the template's own lines: every value stayed on its line.
    expect(seed['user-data'].split('\n')).toHaveLength(12)
  })

  it('quotes every kind of character so that YAML reads back the same string', () => {
    expect(yamlString('')).toBe('""')
    expect(yamlString('plain')).toBe('"plain"')
    expect(yamlString('yes')).toBe('"yes"')
    expect(yamlString('- [a]: {b} & *c !d %e @f `g')).toBe('"- [a]: {b} & *c !d %e @f `g"')
    expect(yamlString('\u0000\u001b\u007f\u00a0\u2029\ud800')).toBe('"\\x00\\x1B\\x7F\u00a0\\u2029\\uFFFD"')
  })

  it('refuses what would misconfigure the machine', async () => {
    const base = {hostname: 'h', user: 'u', sshPublicKey: KEY}
    await expect(renderCloudInitSeed({...base, user: ' '})).rejects.toThrow('The cloud-init seed needs a user.')
    await expect(renderCloudInitSeed({...base, nics: [{mac: '08:00:27:zz:00:00'}]})).rejects.toThrow('Invalid MAC address "08:00:27:zz:00:00".')
    await expect(renderCloudInitSeed({...base, nics: [{mac: '080027000000', address: '10.0.0.5'}]})).rejects.toThrow(/Invalid static address "10.0.0.5"/)
    await expect(renderCloudInitSeed({...base, nics: [{mac: '080027000000', address: '10.0.0.5/33'}]})).rejects.toThrow(/Invalid static address/)
    await expect(renderCloudInitSeed({...base, nics: [{mac: '080027000000', address: '10.0.0.5/24', gateway: 'router'}]})).rejects.toThrow('Invalid gateway "router": not an IP address.')
    await expect(renderCloudInitSeed({...base, nics: [{mac: '080027000000', dns: ['1.1.1.1']}]})).rejects.toThrow(/no static address/)
  })

  it('writes the seed as an ISO labelled cidata', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'berth-seed-'))
    try {
      const path = join(dir, 'seed.iso')
      const files = await writeSeedIso(path, {hostname: 'h', user: 'u', sshPublicKey: KEY})
      const read = readIso(await readFile(path))
      expect(read.label).toBe('cidata')
      expect(Object.fromEntries([...read.files].map(([name, content]) => [name, new TextDecoder().decode(content)]))).toEqual(files)
      expect(files['network-config']).toBeUndefined()
    } finally {
      await rm(dir, {recursive: true, force: true})
    }
  })
})
