import js from '@eslint/js'
import tseslint from 'typescript-eslint'

export default tseslint.config(
  {ignores: ['dist/**', 'node_modules/**', 'test/fixtures/**']},
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
)
