// Writes oclif.manifest.json, as `oclif manifest` does, but from the real command classes
// (dist/src/cli/command-classes.js): the table oclif loads at run time holds stand-ins that load a command only when
// it runs, so the flags, arguments and help oclif shows all come from this file. Run by `npm run build` after tsc.
import {readFile, writeFile} from 'node:fs/promises'
import {Plugin} from '@oclif/core'

const root = new URL('..', import.meta.url).pathname
const pjson = JSON.parse(await readFile(`${root}package.json`, 'utf8'))
const runtimeTarget = pjson.oclif.commands.target
if (runtimeTarget !== './dist/src/cli/command-table.js') throw new Error(`package.json oclif.commands.target is ${runtimeTarget}; scripts/write-manifest.js expects the command table.`)
pjson.oclif.commands = {...pjson.oclif.commands, target: './dist/src/cli/command-classes.js'}

const plugin = new Plugin({errorOnManifestCreate: true, ignoreManifest: true, respectNoCacheDefault: true, root, pjson, isRoot: true, type: 'core'})
await plugin.load()
const names = Object.keys(plugin.manifest.commands)
if (names.length === 0) throw new Error('The command classes gave oclif no command: oclif.manifest.json not written.')
await writeFile(`${root}oclif.manifest.json`, JSON.stringify(plugin.manifest, null, 2))
console.log(`wrote oclif.manifest.json: ${names.length} commands`)
