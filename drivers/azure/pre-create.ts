import {stat} from 'node:fs/promises'
import {BerthError} from '../../src/driver-kit/index.js'
import {explain} from './errors.js'
import type {AzureArm} from './sdk.js'
import type {AzureSettings} from './settings.js'
import {compatibilityProblem} from './vm-compatibility.js'

/** Azure's limit on customData (64 KiB once base64-encoded). */
const CUSTOM_DATA_LIMIT = 48 * 1024

/**
 * What must hold before anything is made, in the order a user fixes it: the custom data file, the sign-in, the
 * subscription and location, the VM size, the image, that the size, the image and the OS disk type go together,
 * and that no VM of the machine's name exists already.
 */
export async function checkBeforeCreate(arm: AzureArm, settings: AzureSettings, signal: AbortSignal): Promise<void> {
  if (settings.customDataFile !== undefined) {
    const file = await stat(settings.customDataFile).catch(() => undefined)
    if (file === undefined || !file.isFile()) throw new BerthError(`The custom data file ${settings.customDataFile} cannot be read.`, {code: 'cloud-check', hint: 'Pass --azure-custom-data with the path of a cloud-init file.'})
    if (file.size > CUSTOM_DATA_LIMIT) throw new BerthError(`The custom data file ${settings.customDataFile} is ${file.size} bytes; Azure takes at most ${CUSTOM_DATA_LIMIT}.`, {code: 'cloud-check'})
  }
  await arm.signIn(signal)
  const locations = await ask(() => arm.vmLocations(signal), `look up the locations of subscription ${settings.subscriptionId}`)
  if (!locations.includes(settings.location)) {
    throw new BerthError(`Azure has no location "${settings.location}" for virtual machines in subscription ${settings.subscriptionId}.`, {
      code: 'cloud-check',
      hint: `Choose --azure-location from: ${locations.join(', ')}.`,
    })
  }
  const skus = await ask(() => arm.locationSkus(settings.location, signal), `look up the VM sizes of ${settings.location}`)
  const size = skus.sizes.find((candidate) => candidate.name.toLowerCase() === settings.size.toLowerCase())
  if (size === undefined) {
    throw new BerthError(`Azure offers no VM size "${settings.size}" in ${settings.location}.`, {code: 'cloud-check', hint: `Choose another --azure-size ("az vm list-sizes --location ${settings.location} -o table" lists them).`})
  }
  if (size.restricted) {
    throw new BerthError(`VM size ${settings.size} is not available to subscription ${settings.subscriptionId} in ${settings.location} (SkuNotAvailable: NotAvailableForSubscription).`, {
      code: 'cloud-check',
      hint: `Choose another --azure-size or --azure-location, or ask Azure support to enable it ("az vm list-skus --location ${settings.location} --size ${settings.size} -o table").`,
    })
  }
  const {publisher, offer, sku, version} = settings.image
  const urn = `${publisher}:${offer}:${sku}:${version}`
  const image = await ask(() => arm.imageFacts(settings.location, settings.image, signal), `look up image ${urn}`)
  if (image === undefined) {
    throw new BerthError(`Azure has no image ${urn} in ${settings.location}.`, {code: 'cloud-check', hint: `Check --azure-image ("az vm image list --location ${settings.location} --publisher ${publisher} --all -o table" lists them).`})
  }
  const incompatible = compatibilityProblem(settings, size, skus.diskTypes, image)
  if (incompatible !== undefined) throw incompatible
  if (await ask(() => arm.vmExists(settings.resourceGroup, settings.names.vm, signal), `look for an existing VM ${settings.names.vm}`)) {
    throw new BerthError(`A VM named ${settings.names.vm} already exists in resource group ${settings.resourceGroup}.`, {code: 'cloud-check', hint: 'Choose another machine name or --azure-resource-group.'})
  }
}

async function ask<T>(work: () => Promise<T>, action: string): Promise<T> {
  try {
    return await work()
  } catch (error) {
    throw explain(error, action)
  }
}
