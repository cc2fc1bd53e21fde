import type {DriverSource} from '../src/core/drivers/registry.js'

/** The drivers shipped with berth. Each is imported only when used. */
export const builtInDrivers: readonly DriverSource[] = [
  {name: 'none', origin: {kind: 'built-in'}, load: async () => (await import('./none/index.js')).default},
]
