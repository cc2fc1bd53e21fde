// Bundles the lean start-up path into dist/lean/: CommonJS, minified, one bundle per hot read-only command
// (src/cli/lean-route.ts lists them) plus the router bin/run.cjs asks first. Node loads a few CommonJS files far
// faster than dozens of ES modules. Run by `npm run build` after tsc.
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
const dist = new URL('../dist/', import.meta.url).pathname
const outDir = `${dist}lean/`
const {leanCommandNames} = await import(`${dist}src/cli/lean-route.js`)

/**
 * Each lean command gets a bundle of its own: one file holding everything the command loads at start-up
 * (Node loads one file far faster than a dozen), with what it imports only when needed (a full certificate
 * check, a driver's SDK) left in chunks beside it. Code the commands share is repeated in each bundle, so
 * `berth env` compiles env's code and nothing else.
 */
function entryFor(name) {
  return [
    `import * as command from ${JSON.stringify(`${dist}src/cli/actions/${name}.js`)}`,
    `import {runLean} from ${JSON.stringify(`${dist}src/cli/lean.js`)}`,
    'export const run = (typed) => runLean(typed, command)',
  ].join('\n')
}

const ENTRY = '\0berth-lean:'
async function bundle(input) {
  await build({
    input,
    platform: 'node',
    preserveEntrySignatures: 'allow-extension',
    // berth's own modules are bundled; Node's and npm packages' (a cloud driver's SDK, loaded only when that
    // driver is used) stay outside and are resolved by Node when, and if, they are loaded.
    external: (id) => (id.startsWith('node:') ? id !== 'node:fs/promises' : !/^[./\0]/.test(id)),
    plugins: [{
      name: 'berth-lean',
      resolveId: (id, importer) => {
        if (id.startsWith(ENTRY)) return id
        return id === 'node:fs/promises' && importer !== FS_PROMISES_SHIM ? FS_PROMISES_SHIM : undefined
      },
      load: (id) => (id === FS_PROMISES_SHIM ? shim : id.startsWith(ENTRY) ? entryFor(id.slice(ENTRY.length)) : undefined),
    }],
    output: {
      dir: outDir,
      format: 'cjs',
      minify: true,
      entryFileNames: '[name].cjs',
      chunkFileNames: '[name]-[hash].cjs',
      // Everything the entry imports statically goes into the entry's own file.
      codeSplitting: {groups: [{name: Object.keys(input)[0], tags: ['$initial']}]},
    },
    logLevel: 'warn',
    // A module one command imports lazily may be one another command needs at once (ls reads every engine):
    // in that command's bundle it is simply part of the bundle, as intended.
    onLog: (level, log, defaultHandler) => {
      if (log.code !== 'INEFFECTIVE_DYNAMIC_IMPORT') defaultHandler(level, log)
    },
  })
}

await rm(outDir, {recursive: true, force: true})
await bundle({'version-string': `${dist}src/cli/version-string.js`})
await bundle({route: `${dist}src/cli/lean-route.js`})
for (const name of leanCommandNames) await bundle({[name]: `${ENTRY}${name}`})
