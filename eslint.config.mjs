import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';

/**
 * Product code never imports test code (test-support/, the builders of @visgate/shared/testing), and
 * functions/ and cli/ never import the simulators, which depend on them. Enforced with the
 * typescript-eslint twin of no-restricted-imports so these bans add to, never replace, the per-folder
 * no-restricted-imports lists below.
 */
const TEST_CODE = [
  { regex: 'test-support', message: 'Product code never imports test-support/ (tests only).' },
  {
    regex: '^@visgate/shared/testing(/|$)',
    message: 'Test builders are for tests; product code never imports them.',
  },
];
const SIM = {
  regex: '^@visgate/sim(/|$)|^(\\.\\./)+sim(/|$)',
  message: 'The simulators depend on functions/, not the other way round (tests may use them).',
};
const SHARED_TESTING = {
  regex: '^\\.{1,2}/(.*/)?testing(/|$)',
  message: 'Test builders are for tests; product code never imports them.',
};
/** Steps, API use cases and policies reach I/O through ports.ts, never an SDK. */
const SDKS = {
  group: ['@google-cloud/*', '@aws-sdk/*', 'express', 'firebase-admin'],
  message: 'Steps and API use cases use ports, not SDKs.',
};
const banImports = (patterns) => ({
  '@typescript-eslint/no-restricted-imports': ['error', { patterns }],
});

export default tseslint.config(
  {
    ignores: [
      '**/node_modules/**',
      '**/dist/**',
      'coverage/**',
      '.build/**',
      '.tools/**',
      'worker/**',
      '*.config.js',
      '*.config.mjs',
      // A three-line CommonJS launcher that hands over to cli/src/main.ts (type-checked and linted).
      'cli/bin/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: true,
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      'no-console': 'error',
      'no-restricted-properties': [
        'error',
        {
          object: 'process',
          property: 'env',
          message: 'Read configuration in functions/src/config.ts only.',
        },
      ],
      '@typescript-eslint/restrict-template-expressions': [
        'error',
        { allowNumber: true, allowBoolean: true },
      ],
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
    },
  },
  {
    files: ['shared/src/**/*.ts'],
    ignores: ['shared/src/**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { regex: '^(?!zod$|\\.{1,2}/).*', message: 'shared/ is pure: it imports zod only.' },
          ],
        },
      ],
      'no-restricted-globals': ['error', { name: 'fetch', message: 'shared/ does no I/O.' }],
      'no-restricted-syntax': [
        'error',
        {
          selector: "CallExpression[callee.object.name='Date'][callee.property.name='now']",
          message: 'Take time as a parameter.',
        },
        {
          selector: "CallExpression[callee.object.name='Math'][callee.property.name='random']",
          message: 'Take randomness as a parameter.',
        },
      ],
    },
  },
  {
    files: ['functions/src/**/*.ts', 'cli/src/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: banImports([...TEST_CODE, SIM]),
  },
  {
    files: ['sim/src/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: banImports(TEST_CODE),
  },
  {
    files: ['shared/src/**/*.ts'],
    ignores: ['**/*.test.ts', 'shared/src/testing/**'],
    rules: banImports([...TEST_CODE, SHARED_TESTING]),
  },
  {
    files: ['functions/src/{steps,api,policy}/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [SDKS] }] },
  },
  {
    // Product code of steps, API use cases and policies reaches I/O only through ports.ts; the
    // wiring chooses the adapters. Their unit tests may use the embedded adapters as fakes.
    files: ['functions/src/{steps,api,policy}/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            SDKS,
            {
              group: ['**/adapters/**', '**/compose*', '**/wiring/**'],
              message:
                'Steps, API use cases and policies use ports (functions/src/ports.ts), not adapters.',
            },
          ],
        },
      ],
    },
  },
  {
    files: [
      '**/*.test.ts',
      'functions/test/**/*.ts',
      'functions/test-support/**/*.ts',
      'sim/src/**/*.ts',
      'bench/**/*.ts',
    ],
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
    },
  },
  {
    // Where a process reads its own environment: the server's config, the CLI's, the benches, and
    // the dev launcher (whose settings are the server's env plus DEV_TIME_SCALE) with its harness.
    files: ['functions/src/config.ts', 'cli/src/config.ts', 'bench/**/*.ts', 'sim/src/dev/**/*.ts'],
    rules: { 'no-restricted-properties': 'off' },
  },
  {
    files: [
      'functions/src/local/**/*.ts',
      'sim/src/demo.ts',
      'bench/**/*.ts',
      'functions/src/adapters/log/**/*.ts',
    ],
    rules: { 'no-console': 'off' },
  },
  prettier,
);
