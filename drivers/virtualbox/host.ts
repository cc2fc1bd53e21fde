import {execFile} from 'node:child_process'
import {access, readFile} from 'node:fs/promises'
import {createServer} from 'node:net'
import {join} from 'node:path'
import {parseNetstatRoutes, parseProcNetRoute, type HostRoute} from './network.js'

/** Where VirtualBox reads the host-only ranges it allows; BERTH_VIRTUALBOX_NETWORKS_CONF names another file. */
export function networksConfPath(env: NodeJS.ProcessEnv): string {
  return env.BERTH_VIRTUALBOX_NETWORKS_CONF || '/etc/vbox/networks.conf'
}

export async function readOptional(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw error
  }
}

/** The host's IPv4 routes (Linux: /proc/net/route; macOS: netstat). Elsewhere none are known. */
export async function hostRoutes(platform: NodeJS.Platform = process.platform): Promise<HostRoute[]> {
  if (platform === 'linux') return parseProcNetRoute((await readOptional('/proc/net/route')) ?? '')
  if (platform === 'darwin') {
    const text = await new Promise<string>((resolve) => {
      execFile('netstat', ['-rn', '-f', 'inet'], (error, stdout) => resolve(error === null ? stdout : ''))
    })
    return parseNetstatRoutes(text)
  }
  return []
}

/** What the pre-create check knows of this computer's virtualization. */
export interface VtxFacts {
  cpuinfo?: string
  macFeatures?: string
  /** Windows: whether the Hyper-V service (vmms.exe) is installed. */
  hyperV?: boolean
}

const SKIP = '--virtualbox-no-vtx-check skips this check.'

/**
 * Why VirtualBox cannot run 64-bit guests well here, as Docker Machine checked it: the CPU offers no VT-x/AMD-V
 * (Linux: no vmx or svm flag in /proc/cpuinfo; an Intel Mac: no VMX feature), or Windows has Hyper-V, which
 * holds VT-x for itself (VirtualBox then runs VMs through it, slowly, or not at all before 6.0). Undefined when
 * nothing is known to be wrong.
 */
export function vtxProblem(platform: NodeJS.Platform, facts: VtxFacts): {message: string, hint: string} | undefined {
  const noVtx = (message: string) => ({message, hint: `Enable virtualization (VT-x/AMD-V) in the firmware settings, or nested virtualization when this computer is itself a VM; ${SKIP}`})
  if (platform === 'linux' && facts.cpuinfo !== undefined) {
    const flags = facts.cpuinfo.split('\n').filter((line) => /^flags\s*:/.test(line))
    if (flags.length > 0 && !flags.some((line) => /\s(vmx|svm)(\s|$)/.test(line))) return noVtx('This computer\'s CPU does not offer VT-x/AMD-V (no vmx or svm flag in /proc/cpuinfo), which VirtualBox needs for 64-bit guests.')
  }
  if (platform === 'darwin' && facts.macFeatures !== undefined && facts.macFeatures.trim() !== '' && !/\bVMX\b/.test(facts.macFeatures)) {
    return noVtx('This Mac\'s CPU does not offer VT-x (no VMX in machdep.cpu.features), which VirtualBox needs for 64-bit guests.')
  }
  if (platform === 'win32' && facts.hyperV === true) {
    return {
      message: 'Hyper-V is installed (vmms.exe): it holds VT-x/AMD-V, and VirtualBox then runs VMs through it, slowly and unreliably.',
      hint: `Turn Hyper-V off ("bcdedit /set hypervisorlaunchtype off" as administrator, then restart), or use -d qemu; ${SKIP}`,
    }
  }
  return undefined
}

export async function vtxFacts(platform: NodeJS.Platform, env: NodeJS.ProcessEnv = process.env): Promise<VtxFacts> {
  if (platform === 'win32') {
    const vmms = join(env.SystemRoot ?? 'C:\\Windows', 'System32', 'vmms.exe')
    return {hyperV: await access(vmms).then(() => true, () => false)}
  }
  if (platform === 'linux') {
    const cpuinfo = await readOptional('/proc/cpuinfo')
    return cpuinfo === undefined ? {} : {cpuinfo}
  }
  if (platform === 'darwin' && process.arch === 'x64') {
    const macFeatures = await new Promise<string>((resolve) => {
      execFile('sysctl', ['-n', 'machdep.cpu.features'], (error, stdout) => resolve(error === null ? stdout : ''))
    })
    return {macFeatures}
  }
  return {}
}

/** A TCP port on 127.0.0.1 no one listens on now, as the kernel hands out. */
export function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))))
    })
  })
}

/** Whether something already listens on 127.0.0.1:port. */
export function loopbackPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer()
    server.once('error', () => resolve(false))
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)))
  })
}
