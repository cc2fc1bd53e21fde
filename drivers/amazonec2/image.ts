import {BerthError} from '../../src/driver-kit/index.js'
import type {Ec2Api, ImageView} from './client.js'

/** Canonical's AWS account: the official Ubuntu images. */
export const CANONICAL_OWNER = '099720109477'
/** Canonical's names for Ubuntu server images on EBS: ubuntu/images/hvm-ssd[-gp3]/ubuntu-<codename>-<version>-<arch>-server-<build>. */
const UBUNTU_SERVER = /^ubuntu\/images\/hvm-ssd(?:-gp3)?\/ubuntu-[a-z]+-(\d\d)\.(\d\d)-(?:amd64|arm64)-server-[\d.]+$/

/**
 * The current Ubuntu LTS: of Canonical's server images, those of LTS releases (YY.04 with an even YY), the newest
 * release, and of its builds the newest by creation date. Choosing by version first keeps a fresh build of an older
 * LTS from winning over the current one.
 */
export function pickUbuntuLts(images: readonly ImageView[]): ImageView | undefined {
  let best: {image: ImageView; version: number} | undefined
  for (const image of images) {
    const match = UBUNTU_SERVER.exec(image.name)
    if (match === null) continue
    const year = Number(match[1])
    if (match[2] !== '04' || year % 2 !== 0) continue
    if (best === undefined || year > best.version || (year === best.version && image.created > best.image.created)) best = {image, version: year}
  }
  return best?.image
}

/** The AMI for the machine: the one given (checked to exist in the region), or the current Ubuntu LTS for the architecture. */
export async function chooseImage(api: Ec2Api, ami: string | undefined, architecture: string, region: string, signal: AbortSignal): Promise<ImageView> {
  if (ami !== undefined) {
    const [image] = await api.images({ids: [ami]}, signal)
    if (image === undefined) throw new BerthError(`The AMI ${ami} does not exist in ${region}.`, {code: 'cloud-check', hint: `AMI ids differ per region: pass one of ${region} with --amazonec2-ami, or leave it out for Ubuntu LTS.`})
    return image
  }
  const images = await api.images({owner: CANONICAL_OWNER, namePatterns: ['ubuntu/images/hvm-ssd*/ubuntu-*-server-*'], architecture}, signal)
  const image = pickUbuntuLts(images)
  if (image === undefined) {
    throw new BerthError(`No Ubuntu LTS image for ${architecture} was found in ${region}.`, {code: 'cloud-check', hint: 'Pass an AMI with --amazonec2-ami.'})
  }
  return image
}
