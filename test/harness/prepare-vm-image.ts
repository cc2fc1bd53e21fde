import {ensureTestImage} from './vm-image.js'

/**
 * `npm run test:prepare`: build (or check) the qemu tests' Debian image before the tests run. The build is the one
 * step of the test suite that needs Debian's mirror, so scripts/setup.sh runs it, outside the run that
 * scripts/egress-guard.js watches: while the tests run, nothing may leave this machine.
 */
async function main(): Promise<void> {
  const image = await ensureTestImage({log: (line) => console.log(`test image: ${line}`)})
  console.log(`test image ${image.built ? 'built' : 'cached'}: ${image.path} (${image.seconds.toFixed(1)} s)`)
}

main().catch((error: unknown) => {
  console.error(error)
  process.exit(1)
})
