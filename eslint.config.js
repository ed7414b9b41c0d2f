// @ts-check
import js from '@eslint/js';
import globals from 'globals';
import reactHooks from 'eslint-plugin-react-hooks';
import tseslint from 'typescript-eslint';

/** Files the boundary test lints as text; they never exist on disk. */
const BOUNDARY_PROBES = ['sync/boundary-probe.ts', 'renderer/src/boundary-probe.ts'];

export default tseslint.config(
  {
    ignores: [
      'node_modules/',
      'dist/',
      'dist-renderer/',
      '.cache/',
      'coverage/',
      'test-results/',
      'bench-results/',
    ],
  },
  js.configs.recommended,
  {
    files: ['**/*.ts', '**/*.tsx'],
    extends: [tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      parserOptions: {
        projectService: { allowDefaultProject: BOUNDARY_PROBES },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      'no-console': 'error',
    },
  },
  {
    // The engine is plain Node: never Electron, never the UI.
    files: ['sync/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: [
            {
              name: 'electron',
              message: 'sync/ never imports electron: pass what it needs through the factory.',
            },
          ],
          patterns: [
            {
              group: ['electron/*', '**/electron/**'],
              message: 'sync/ never imports from electron/.',
            },
            {
              group: ['**/renderer/**', 'react', 'react-dom'],
              message: 'sync/ never imports the UI.',
            },
          ],
        },
      ],
    },
  },
  {
    // The UI talks only through the bridge: types of the contract, nothing else of sync/ or electron/.
    files: ['renderer/**/*.ts', 'renderer/**/*.tsx'],
    languageOptions: { globals: globals.browser },
    plugins: { 'react-hooks': reactHooks },
    rules: {
      ...reactHooks.configs.recommended.rules,
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: [
            { name: 'electron', message: 'The renderer never imports electron: use the bridge.' },
          ],
          patterns: [
            {
              group: ['**/electron/**'],
              message: 'The renderer never imports from electron/: use the bridge.',
            },
            {
              regex: '/sync/(?!api/contract(\\.js)?$)',
              message: 'The renderer imports nothing from sync/ but the bridge contract types.',
            },
            {
              group: ['**/sync/api/contract', '**/sync/api/contract.js'],
              allowTypeImports: true,
              message: 'Import the bridge contract with "import type" only.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.test.ts', 'test/**/*.ts'],
    rules: { '@typescript-eslint/unbound-method': 'off', 'no-console': 'off' },
  },
  {
    files: ['**/*.mjs', '**/*.js', 'bin/*'],
    languageOptions: { globals: globals.node },
    rules: { 'no-console': 'off' },
  },
  {
    files: ['sync/api/cli*.ts', 'sync/api/cli/**/*.ts', 'scripts/**'],
    rules: { 'no-console': 'off' },
  },
);
