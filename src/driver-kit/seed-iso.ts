import type {SeedFiles, SeedOptions} from '../core/provision/index.js'

/**
 * Render a VM's cloud-init seed and write it as the cidata ISO at path. The provisioning module that renders it is
 * loaded on the first call, so importing the kit (every driver definition does) loads none of it.
 */
export async function writeSeedIso(path: string, options: SeedOptions): Promise<SeedFiles> {
  const cloudInit = await import('../core/vm/cloud-init.js')
  return cloudInit.writeSeedIso(path, options)
}
