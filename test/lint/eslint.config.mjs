// Lint rules for the whole project. The core boundary is enforced here: src/core is pure
// logic and must not import VS Code or the AWS SDK.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const SHIPPED_CODE_PATTERNS = [
  { group: ['@cloud-copilot/*'], message: 'The IAM simulator (AGPL) is for tests and the emulator only.' },
  {
    group: ['**/test/**', '../test/*', '../../test/*', '../../../test/*'],
    message: 'Shipped code must not import test code.',
  },
];

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'dist-test/**',
      'dist-vsix/**',
      'node_modules/**',
      'test/bench/results/**',
      '.test-artifacts/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['**/*.mjs', '**/*.js'],
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        URL: 'readonly',
        URLSearchParams: 'readonly',
        fetch: 'readonly',
        Buffer: 'readonly',
        __dirname: 'readonly',
      },
    },
  },
  // What no shipped code may import: the IAM simulator is AGPL and serves the tests and the
  // emulator only, and nothing under test/ belongs in a bundle. ESLint applies the last matching
  // block's options for a rule, so src/core repeats these patterns next to its own.
  {
    files: ['src/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: SHIPPED_CODE_PATTERNS }],
    },
  },
  {
    files: ['src/core/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'vscode', message: 'src/core is pure: no VS Code API here (use src/vscode).' }],
          patterns: [
            ...SHIPPED_CODE_PATTERNS,
            { group: ['@aws-sdk/*', '@smithy/*'], message: 'src/core is pure: AWS SDK access belongs in src/aws.' },
            { group: ['**/vscode/**', '**/aws/**', '**/aws'], message: 'src/core must not depend on the adapters.' },
          ],
        },
      ],
    },
  },
);
