import {mkdtemp, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'
import {certificateFiles, recallCertificateFacts, rememberCertificateFacts, type CertificateFacts} from '../../../src/core/certs/certificate-memo.js'
import {MachineLayout} from '../../../src/core/store/layout.js'

const facts: CertificateFacts = {
  address: '10.0.0.4',
  client: {notBefore: '2026-01-01T00:00:00.000Z', notAfter: '2029-01-01T00:00:00.000Z'},
  server: {notBefore: '2026-01-01T00:00:00.000Z', notAfter: '2029-01-01T00:00:00.000Z'},
}

describe('remembered certificate checks', () => {
  let dir: string
  let machine: MachineLayout

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'berth-memo-'))
    machine = new MachineLayout(dir)
    for (const path of [machine.caCert, machine.clientCert, machine.clientKey, machine.serverCert]) await writeFile(path, 'pem')
  })

  afterEach(async () => {
    await rm(dir, {recursive: true, force: true})
  })

  it('are recalled for the same files and address only', async () => {
    const files = certificateFiles(machine)
    await rememberCertificateFacts(machine, facts, files)
    expect(recallCertificateFacts(machine, '10.0.0.4', certificateFiles(machine))).toEqual(facts)
    expect(recallCertificateFacts(machine, '10.0.0.5', certificateFiles(machine))).toBeUndefined()
  })

  it('are forgotten when any certificate file is replaced, appears or goes', async () => {
    await rememberCertificateFacts(machine, facts, certificateFiles(machine))
    await writeFile(machine.serverCert, 'a new pem')
    expect(recallCertificateFacts(machine, '10.0.0.4', certificateFiles(machine))).toBeUndefined()

    await rememberCertificateFacts(machine, facts, certificateFiles(machine))
    await writeFile(machine.engineCert, 'pem')
    expect(recallCertificateFacts(machine, '10.0.0.4', certificateFiles(machine))).toBeUndefined()

    for (const gone of [machine.caCert, machine.clientKey]) {
      await rememberCertificateFacts(machine, facts, certificateFiles(machine))
      await rm(gone)
      expect(recallCertificateFacts(machine, '10.0.0.4', certificateFiles(machine))).toBeUndefined()
    }
  })

  it('are ignored when the memo is unreadable', async () => {
    await writeFile(machine.certificateMemo, '{"files":')
    expect(recallCertificateFacts(machine, '10.0.0.4', certificateFiles(machine))).toBeUndefined()
  })
})
