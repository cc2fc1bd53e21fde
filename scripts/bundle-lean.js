// Bundles the lean start-up path into dist/lean/: CommonJS, minified, one bundle per hot read-only command
// (those src/cli/command-table.ts marks lean) plus the router bin/run.cjs asks first. Node loads a few CommonJS
// files far faster than dozens of ES modules. Run by `npm run build` after tsc.
import {readFile, readdir, rm} from 'node:fs/promises'
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
// The table is read here, at build time, so that the lean path never loads it (it loads every command and oclif).
const {commandTable} = await import(`${dist}src/cli/command-table.js`)
const leanCommandNames = Object.keys(commandTable).filter((name) => commandTable[name].lean === true)
/** Where a command's module is: src/cli/commands/<name>.ts, checked against the table before anything is bundled. */
const commandModule = (name) => `${dist}src/cli/commands/${name}.js`
for (const name of leanCommandNames) {
  if (await import(commandModule(name)) !== await commandTable[name].load()) throw new Error(`The lean command ${name} must be the module src/cli/commands/${name}.ts.`)
}

/**
 * Each lean command gets a bundle of its own: one file holding everything the command loads at start-up
 * (Node loads one file far faster than a dozen), with what it imports only when needed (a full certificate
 * check, a driver's SDK) left in chunks beside it. Code the commands share is repeated in each bundle, so
 * `berth env` compiles env's code and nothing else.
 */
function entryFor(name) {
  return [
    `import * as command from ${JSON.stringify(commandModule(name))}`,
    `import {runLean} from ${JSON.stringify(`${dist}src/cli/lean.js`)}`,
    'export const run = (typed) => runLean(typed, command)',
  ].join('\n')
}

/** The router, with the lean commands' names written in: it loads no command, no table and no oclif. */
function routeEntry() {
  return [
    `import {leanCommandOf as leanCommandIn, oclifArgv} from ${JSON.stringify(`${dist}src/cli/lean-route.js`)}`,
    `const leanNames = ${JSON.stringify(leanCommandNames)}`,
    'export const leanCommandOf = (typed) => leanCommandIn(leanNames, typed)',
    `export {adoptPersonality} from ${JSON.stringify(`${dist}src/cli/personality.js`)}`,
    'export {oclifArgv}',
  ].join('\n')
}

/**
 * Completion (`berth __complete`) imports a plugin's driver as berth does, through plugin-drivers.js, which finds the
 * kit it gives the plugin beside itself (import.meta.url): that module is loaded from dist/src, not bundled.
 */
const UNBUNDLED = new Set([`${dist}src/cli/plugin-drivers.js`])

const ENTRY = '\0berth-lean:'
const ROUTE = '\0berth-lean-route'
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
        if (id.startsWith(ENTRY) || id === ROUTE) return id
        if (importer !== undefined && id.startsWith('.')) {
          const resolved = new URL(id, `file://${importer}`).pathname
          if (UNBUNDLED.has(resolved)) return {id: `../${resolved.slice(dist.length)}`, external: true}
        }
        return id === 'node:fs/promises' && importer !== FS_PROMISES_SHIM ? FS_PROMISES_SHIM : undefined
      },
      load: (id) => {
        if (id === FS_PROMISES_SHIM) return shim
        if (id === ROUTE) return routeEntry()
        return id.startsWith(ENTRY) ? entryFor(id.slice(ENTRY.length)) : undefined
      },
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
await bundle({route: ROUTE})
await bundle({complete: `${dist}src/cli/complete.js`})
for (const name of leanCommandNames) await bundle({[name]: `${ENTRY}${name}`})

// The point of the lean path: none of its files may load oclif (a module that imports it belongs to the full CLI).
for (const file of await readdir(outDir)) {
  if ((await readFile(`${outDir}${file}`, 'utf8')).includes('@oclif/')) throw new Error(`dist/lean/${file} loads oclif: a lean command's module must not import it (src/cli/command-table.ts).`)
}
