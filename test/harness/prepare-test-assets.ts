import {prepareNewerEngine} from './newer-engine.js'
import {ensureTestImage} from './vm-image.js'

/**
 * `npm run test:prepare`: what the tests need from Debian's mirror, fetched and built before they run (cached under
 * /var/cache/berth-test): the qemu tests' Debian image and a newer Docker engine. scripts/setup.sh --tests runs it,
 * outside the run that scripts/egress-guard.js watches: while the tests run, nothing may leave this machine.
 */
async function main(): Promise<void> {
  const log = (line: string): void => console.log(`test assets: ${line}`)
  const image = await ensureTestImage({log})
  console.log(`test image ${image.built ? 'built' : 'cached'}: ${image.path} (${image.seconds.toFixed(1)} s)`)
  console.log(`newer engine: ${await prepareNewerEngine(log)}`)
}

main().catch((error: unknown) => {
  console.error(error)
  process.exit(1)
})
