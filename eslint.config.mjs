import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      'out/**',
      'node_modules/**',
      'test-results/**',
      'playwright-report/**',
      'bench/out/**',
      'dist/**',
      'scripts/*.d.mts',
      // The N-API helper's one-line loader and its declarations (which tsc checks where they are imported).
      'native/*/index.js',
      'native/*/index.d.ts',
      'native/*/build/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: { allowDefaultProject: ['*.mjs', 'bin/*.mjs', 'scripts/*.mjs'] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
      '@typescript-eslint/no-confusing-void-expression': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { ignoreRestSiblings: true }],
    },
  },
  {
    files: ['**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
  },
  {
    // The process boundary: only the HSM process's code (src/main/hsm/host) loads pkcs11js, and nothing
    // else imports it; the rest of main talks to it through src/main/hsm/client and protocol.ts.
    files: ['src/**/*.{ts,tsx}'],
    ignores: ['src/main/hsm/host/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'pkcs11js', message: 'Only the HSM process (src/main/hsm/host) imports pkcs11js.' }],
          patterns: [
            {
              group: ['**/hsm/host/*', '**/host/*', '!./*'],
              message:
                'The HSM process runs apart: call it through src/main/hsm/client (protocol.ts declares its operations).',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src/main/hsm/host/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/client/*'],
              message:
                'The HSM process does not import the main side (src/main/hsm/client); they share protocol.ts only.',
            },
          ],
        },
      ],
    },
  },
  {
    // The renderer reaches the outside world only through window.keyward.
    files: ['src/renderer/**/*.{ts,tsx}'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['node:*', 'electron', 'fs', 'path', 'child_process', '**/main/**', 'pkcs11js', 'better-sqlite3'],
              message: 'The renderer has no Node access: use window.keyward.',
            },
          ],
        },
      ],
    },
  },
);
