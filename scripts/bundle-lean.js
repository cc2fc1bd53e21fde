// Bundles the lean start-up path (dist/src/cli/lean.js and what it imports) into dist/lean/: CommonJS, minified,
// one chunk per command. Node loads a few small CommonJS files far faster than dozens of ES modules, and
// `berth env` then compiles only what env needs. Run by `npm run build` after tsc.
import {rm} from 'node:fs/promises'
import {build} from 'rolldown'

/** Read-only calls that Node's callback API serves as well as fs/promises does. */
const READS = new Set(['access', 'lstat', 'readFile', 'readdir', 'readlink', 'realpath', 'stat'])
const FS_PROMISES_SHIM = '\0berth-fs-promises'

/**
 * Loading node:fs/promises costs a start-up several milliseconds (it brings fs.watch and readline along), more
 * than the read-only commands spend on their own work. In the bundle, its reads go through the callback API
 * instead, and every other call reaches fs/promises only when it is made, so a command that writes nothing never
 * loads it.
 */
async function fsPromisesShim() {
  const names = Object.keys(await import('node:fs/promises')).filter((name) => name !== 'default' && name !== 'constants')
  const lines = ["import fs from 'node:fs'", "import {promisify} from 'node:util'", 'export const constants = fs.constants']
  for (const name of names) {
    lines.push(READS.has(name) ? `export const ${name} = promisify(fs.${name})` : `export const ${name} = (...args) => fs.promises.${name}(...args)`)
  }
  return lines.join('\n')
}

const shim = await fsPromisesShim()
const outDir = new URL('../dist/lean/', import.meta.url).pathname
await rm(outDir, {recursive: true, force: true})
await build({
  input: {lean: new URL('../dist/src/cli/lean.js', import.meta.url).pathname, version: new URL('../dist/src/cli/version-string.js', import.meta.url).pathname},
  platform: 'node',
  // berth's own modules are bundled; Node's and npm packages' (a cloud driver's SDK, loaded only when that
  // driver is used) stay outside and are resolved by Node when, and if, they are loaded.
  external: (id) => (id.startsWith('node:') ? id !== 'node:fs/promises' : !/^[./\0]/.test(id)),
  plugins: [{
    name: 'berth-fs-promises',
    resolveId: (id, importer) => (id === 'node:fs/promises' && importer !== FS_PROMISES_SHIM ? FS_PROMISES_SHIM : undefined),
    load: (id) => (id === FS_PROMISES_SHIM ? shim : undefined),
  }],
  output: {dir: outDir, format: 'cjs', minify: true, entryFileNames: '[name].cjs', chunkFileNames: '[name]-[hash].cjs'},
  logLevel: 'warn',
})
