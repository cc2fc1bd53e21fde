import type {DriverSource} from '../src/core/driver-registry/registry.js'

/** The drivers shipped with berth. Each is imported only when used. */
export const builtInDrivers: readonly DriverSource[] = [
  {name: 'amazonec2', origin: {kind: 'built-in'}, load: async () => (await import('./amazonec2/index.js')).default},
  {name: 'azure', origin: {kind: 'built-in'}, load: async () => (await import('./azure/index.js')).default},
  {name: 'digitalocean', origin: {kind: 'built-in'}, load: async () => (await import('./digitalocean/index.js')).default},
  {name: 'generic', origin: {kind: 'built-in'}, load: async () => (await import('./generic/index.js')).default},
  {name: 'none', origin: {kind: 'built-in'}, load: async () => (await import('./none/index.js')).default},
  {name: 'qemu', origin: {kind: 'built-in'}, load: async () => (await import('./qemu/index.js')).default},
  {name: 'virtualbox', origin: {kind: 'built-in'}, load: async () => (await import('./virtualbox/index.js')).default},
]
