import {readdirSync} from 'node:fs'
import js from '@eslint/js'
import tseslint from 'typescript-eslint'

// The import boundaries of ARCHITECTURE.md. Each is a regular expression over the specifier as written, checked
// by no-restricted-imports for import/export statements and by no-restricted-syntax for import('...'), which
// no-restricted-imports does not see. Relative paths are matched by what they reach from where the rule applies.
const CLOUD_SDKS = {regex: String.raw`^(@aws-sdk/|@azure/|digitalocean-js(/|$)|axios$)`, message: 'Cloud SDKs belong to their driver in drivers/<name>; reach them through the driver.'}
const CLI = {regex: String.raw`^(\.\./)+(src/)?(cli|commands)/`, message: 'The CLI (src/cli, src/commands) sits above this code: pass what it needs in as arguments.'}
const OCLIF = {regex: '^@oclif/', message: 'Only src/cli and src/commands know oclif.'}
// From src/core/<file> or src/core/<dir>/<file>, two or more steps up reach the top-level drivers/.
const NAMED_DRIVERS_FROM_CORE = {regex: String.raw`^(\.\./){2,}drivers/`, message: 'src/core knows drivers only through the driver kit\'s contract (src/driver-kit); a named driver is loaded by the registry.'}
// From drivers/<name>/..., everything of berth's but the CLI (its own rule) is reached through the kit's entry.
const KIT_ONLY = {regex: String.raw`^(\.\./)+src/(?!driver-kit/index\.js$|cli/|commands/)`, message: 'A driver imports from berth only its kit, src/driver-kit/index.js (published as berth/driver).'}
const NAMED_DRIVERS_FROM_CLI = {regex: String.raw`^(\.\./)+drivers/(?!index\.js$)`, message: 'The CLI reaches drivers through the catalogue drivers/index.ts, never a named driver.'}
const PROVISION_INTERNALS = {regex: String.raw`^(\.\./)+(core/)?provision/(?!index\.js$)`, message: 'Provisioning is a closed module: outside src/core/provision, import only its index.ts.'}
const COMMANDS = {regex: String.raw`^(\.\./)+commands/`, message: 'src/commands sits above src/cli: a command imports its action, never the other way.'}
const BELOW_CLI = {regex: String.raw`^(\.\./)+(core|drivers)/`, message: 'A command file only ties oclif to its action in src/cli; what it needs from src/core or drivers/ goes through src/cli.'}
const DRIVER_NAMES = readdirSync(new URL('drivers/', import.meta.url), {withFileTypes: true}).filter((entry) => entry.isDirectory()).map((entry) => entry.name)

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
      ...forbidImports(otherDrivers, CLI, OCLIF, KIT_ONLY),
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
  {files: ['src/core/**'], ignores: ['src/core/provision/**'], rules: forbidImports(CLI, OCLIF, NAMED_DRIVERS_FROM_CORE, CLOUD_SDKS, PROVISION_INTERNALS)},
  {files: ['src/core/provision/**'], rules: forbidImports(CLI, OCLIF, NAMED_DRIVERS_FROM_CORE, CLOUD_SDKS)},
  {files: ['src/driver-kit/**'], rules: forbidImports(CLI, OCLIF, NAMED_DRIVERS_FROM_CORE, CLOUD_SDKS, PROVISION_INTERNALS)},
  {files: ['src/cli/**'], rules: forbidImports(CLOUD_SDKS, NAMED_DRIVERS_FROM_CLI, COMMANDS, PROVISION_INTERNALS)},
  {files: ['src/commands/**'], rules: forbidImports(CLOUD_SDKS, BELOW_CLI)},
  ...DRIVER_NAMES.map(driverBoundaries),
  // An example plugin is built as an author builds theirs: against the published berth/driver, never a path into berth.
  {files: ['examples/**'], rules: forbidImports({regex: String.raw`^(\.\./)+(src|drivers)/`, message: 'A plugin imports berth only as berth/driver (and berth/driver/testing in its tests).'})},
)
