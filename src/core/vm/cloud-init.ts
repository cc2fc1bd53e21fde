import {renderCloudInitSeed, type SeedFiles, type SeedOptions} from '../provision/index.js'
import {writeIso} from './iso9660.js'

/**
 * The cloud-init NoCloud seed of a local VM, rendered by the provisioning module and written as an ISO 9660 volume
 * labelled "cidata", which cloud-init finds by its label on first boot.
 */

const SEED_LABEL = 'cidata'

/** Render the seed and write it as the cidata ISO at path. */
export async function writeSeedIso(path: string, options: SeedOptions): Promise<SeedFiles> {
  const files = await renderCloudInitSeed(options)
  await writeIso(path, {label: SEED_LABEL, files: Object.entries(files).map(([name, content]) => ({name, content: content as string}))})
  return files
}
