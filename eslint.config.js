import {readdirSync} from 'node:fs'
import js from '@eslint/js'
import tseslint from 'typescript-eslint'

// The import boundaries of ARCHITECTURE.md. Each is a regular expression over the specifier as written, checked
// by no-restricted-imports for import/export statements and by no-restricted-syntax for import('...'), which
// no-restricted-imports does not see. Relative paths are matched by what they reach from where the rule applies.
const CLOUD_SDKS = {regex: String.raw`^(@aws-sdk/|@azure/|digitalocean-js(/|$)|axios$)`, message: 'Cloud SDKs belong to their driver in drivers/<name>; reach them through the driver.'}
const CLI = {regex: String.raw`^(\.\./)+(src/)?cli/`, message: 'The CLI (src/cli) sits above this code: pass what it needs in as arguments.'}
const OCLIF = {regex: '^@oclif/', message: 'Only src/cli knows oclif.'}
// From src/core/<file> or src/core/<dir>/<file>, two or more steps up reach the top-level drivers/.
const NAMED_DRIVERS_FROM_CORE = {regex: String.raw`^(\.\./){2,}drivers/`, message: 'src/core knows drivers only through the driver kit\'s contract (src/driver-kit); a named driver is loaded by the registry.'}
// From drivers/<name>/..., everything of berth's but the CLI (its own rule) is reached through the kit's entry.
const KIT_ONLY = {regex: String.raw`^(\.\./)+src/(?!driver-kit/index\.js$|cli/)`, message: 'A driver imports from berth only its kit, src/driver-kit/index.js (published as berth/driver).'}
const NAMED_DRIVERS_FROM_CLI = {regex: String.raw`^(\.\./)+drivers/(?!index\.js$)`, message: 'The CLI reaches drivers through the catalogue drivers/index.ts, never a named driver.'}
// The folders of src/core with an index.ts as their surface: provisioning, and the use cases of several files.
const CLOSED_MODULES = ['provision', 'provision-machine', 'power', 'remove', 'upgrade', 'ssh-access', 'import']
const CLOSED_INTERNALS = {regex: String.raw`^(\.\./)+(core/)?(${CLOSED_MODULES.join('|')})/(?!index\.js$)`, message: 'A closed module of src/core (provisioning, a use case of several files): from outside its folder, import only its index.ts.'}
const COMMANDS = {regex: String.raw`^(\./|(\.\./)+)commands/`, message: 'Only the command table (src/cli/command-table.ts) imports a command module.'}
const OTHER_COMMANDS = {regex: String.raw`^(\./|\.\./command-table(\.js)?$)`, message: 'A command module imports no other command, nor the table: what commands share lives in src/cli.'}
const DRIVER_NAMES = readdirSync(new URL('drivers/', import.meta.url), {withFileTypes: true}).filter((entry) => entry.isDirectory()).map((entry) => entry.name)

// Core and drivers name the fix as data (src/core/fix.ts); the CLI spells the command line. A string that spells
// "berth <command>" there is refused.
const BERTH_COMMAND = String.raw`berth (active|config|create|drivers|env|help|inspect|ip|kill|ls|mount|plugins|provision|regenerate-certs|restart|rm|scp|ssh|start|status|stop|upgrade|url|use|version)\b`
const COMMAND_LINES = ['Literal', 'TemplateElement'].map((node) => ({
  selector: `${node}[${node === 'Literal' ? 'value' : 'value.raw'}=/${BERTH_COMMAND}/]`,
  message: 'Name the fix as data (run() and prose`` in src/core/fix.ts): the CLI spells berth\'s command lines.',
}))

// templates/ is read by the provisioning module alone (src/core/provision/templates.ts): elsewhere a string that
// names it as a path is refused.
const TEMPLATES_PATH = ['Literal', 'TemplateElement'].map((node) => ({
  selector: `${node}[${node === 'Literal' ? 'value' : 'value.raw'}=/(^|\\/)templates(\\/|$)/]`,
  message: 'Only src/core/provision reads templates/: render a remote script or a seed through its index.ts.',
}))

/** `rules` that also refuse a string naming templates/ as a path. */
function andNoTemplateReads(rules) {
  return {...rules, 'no-restricted-syntax': [...rules['no-restricted-syntax'], ...TEMPLATES_PATH]}
}

/** The rules of `boundaries`, and no spelled-out berth command line. */
function forbidImportsAndCommandLines(...boundaries) {
  const rules = forbidImports(...boundaries)
  return {...rules, 'no-restricted-syntax': [...rules['no-restricted-syntax'], ...COMMAND_LINES]}
}

/** Rules that forbid the given specifiers in import/export statements and in import() with a literal. */
function forbidImports(...boundaries) {
  return {
    'no-restricted-imports': ['error', {patterns: boundaries.map(({regex, message}) => ({regex, message}))}],
    'no-restricted-syntax': ['error', ...boundaries.map(({regex, message}) => ({selector: `ImportExpression[source.value=/${regex.replaceAll('/', String.raw`\x2F`)}/i]`, message}))],
  }
}

/** Each driver stays inside its own folder and the driver kit: no other driver, no catalogue, no CLI, no core path. */
function driverBoundaries(name) {
  const others = DRIVER_NAMES.filter((other) => other !== name)
  const otherDrivers = {regex: String.raw`^(\.\./)+(drivers/)?(${others.join('|')}|index(\.js)?$)(/|$)`, message: 'A driver imports no other driver (nor the catalogue drivers/index.ts): share code through src/core instead.'}
  return {
    files: [`drivers/${name}/**`],
    rules: {
      ...andNoTemplateReads(forbidImportsAndCommandLines(otherDrivers, CLI, OCLIF, KIT_ONLY)),
      // Its types may be imported; its code is loaded by import() when the driver first needs it, so a command that
      // does not use this driver never loads the SDK.
      '@typescript-eslint/no-restricted-imports': ['error', {patterns: [{regex: CLOUD_SDKS.regex, allowTypeImports: true, message: 'Load a cloud SDK with import() where the driver first needs it (types may be imported).'}]}],
    },
  }
}

export default tseslint.config(
  {ignores: ['dist/**', 'node_modules/**', 'test/fixtures/**', 'examples/*/dist/**']},
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {projectService: {allowDefaultProject: ['*.js', '*.ts', 'scripts/*.js']}, tsconfigRootDir: import.meta.dirname},
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', {argsIgnorePattern: '^_'}],
      '@typescript-eslint/require-await': 'off',
    },
  },
  {
    files: ['**/*.js'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: {globals: {process: 'readonly', console: 'readonly', URL: 'readonly'}},
  },
  {
    files: ['bin/*.cjs'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: {...tseslint.configs.disableTypeChecked.languageOptions, sourceType: 'commonjs', globals: {process: 'readonly', require: 'readonly', __filename: 'readonly'}},
    // The entry is CommonJS on purpose (see bin/run.cjs): require is how it loads the lean bundle.
    rules: {...tseslint.configs.disableTypeChecked.rules, '@typescript-eslint/no-require-imports': 'off'},
  },
  // Within its own folder a closed module's files import each other as ./name.js, which the rule does not match.
  {files: ['src/core/**'], ignores: ['src/core/provision/**'], rules: andNoTemplateReads(forbidImportsAndCommandLines(CLI, OCLIF, NAMED_DRIVERS_FROM_CORE, CLOUD_SDKS, CLOSED_INTERNALS))},
  {files: ['src/core/provision/**'], rules: forbidImportsAndCommandLines(CLI, OCLIF, NAMED_DRIVERS_FROM_CORE, CLOUD_SDKS, CLOSED_INTERNALS)},
  {files: ['src/driver-kit/**'], rules: andNoTemplateReads(forbidImports(CLI, OCLIF, NAMED_DRIVERS_FROM_CORE, CLOUD_SDKS, CLOSED_INTERNALS))},
  {files: ['src/cli/**'], ignores: ['src/cli/command-table.ts', 'src/cli/commands/**'], rules: andNoTemplateReads(forbidImports(CLOUD_SDKS, NAMED_DRIVERS_FROM_CLI, COMMANDS, CLOSED_INTERNALS))},
  {files: ['src/cli/command-table.ts'], rules: andNoTemplateReads(forbidImports(CLOUD_SDKS, NAMED_DRIVERS_FROM_CLI, CLOSED_INTERNALS))},
  {files: ['src/cli/commands/**'], rules: andNoTemplateReads(forbidImports(CLOUD_SDKS, NAMED_DRIVERS_FROM_CLI, OTHER_COMMANDS, CLOSED_INTERNALS))},
  ...DRIVER_NAMES.map(driverBoundaries),
  // An example plugin is built as an author builds theirs: against the published berth/driver, never a path into berth.
  {files: ['examples/**'], rules: forbidImports({regex: String.raw`^(\.\./)+(src|drivers)/`, message: 'A plugin imports berth only as berth/driver (and berth/driver/testing in its tests).'})},
)
