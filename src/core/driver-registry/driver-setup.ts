import {existsSync} from 'node:fs'
import {readFile} from 'node:fs/promises'
import type {DriverDefinition, DriverSetup, DriverSharedState, ImageCache, MachineSshKey} from '../../driver-kit/contract.js'
import type {MachineLayout, StoreLayout} from '../store/layout.js'
import {withLock} from '../store/lock.js'
import {secretLookup} from './credentials.js'

/**
 * Where a driver instance runs and the services it is given, for one machine of one store. The store itself is
 * not handed over: a driver reaches its machine's directory, its own shared directory and the image cache only.
 * What makes keys and downloads images is loaded when first used: the read-only commands open machines too.
 */
export function driverSetup(layout: StoreLayout, name: string, env: NodeJS.ProcessEnv, definition: DriverDefinition, enginePort: number): DriverSetup {
  const machine = layout.machine(name)
  return {
    machineName: name,
    machineDir: machine.dir,
    enginePort,
    env,
    secret: secretLookup(machine, definition.flags, env),
    sshKey: machineSshKey(machine),
    shared: sharedState(layout, definition.name),
    images: imageCache(layout),
    runOnHost: async (endpoint, command, signal) => {
      const {runOnceOverSsh} = await import('../ssh/run-once.js')
      return runOnceOverSsh({endpoint, privateKey: await readFile(endpoint.keyPath), knownHostsPath: machine.knownHosts, command, signal})
    },
  }
}

function machineSshKey(machine: MachineLayout): MachineSshKey {
  return {
    path: machine.sshKey,
    create: async () => {
      const {writeMachineKey} = await import('../ssh/keys.js')
      return {publicKey: (await writeMachineKey(machine)).publicKey}
    },
    keepUserKey: async (key) => {
      const {keepUserSshKey} = await import('../ssh/user-key.js')
      return keepUserSshKey(key, machine)
    },
  }
}

function sharedState(layout: StoreLayout, driverName: string): DriverSharedState {
  const dir = layout.driverDir(driverName)
  return {
    dir,
    withLock: (work, {signal, timeoutMs}) => withLock(layout.driverLock(driverName), work, {signal, ...(timeoutMs === undefined ? {} : {timeoutMs})}),
    machineExists: (name) => existsSync(layout.machine(name).dir),
  }
}

function imageCache(layout: StoreLayout): ImageCache {
  return {
    ensure: async (request, ctx) => {
      const {ensureImage} = await import('../vm/image-cache.js')
      return ensureImage(layout, {
        ...request,
        signal: ctx.signal,
        onProgress: ({bytes, total}) => ctx.meter('Downloading the image', bytes, total),
      })
    },
  }
}
