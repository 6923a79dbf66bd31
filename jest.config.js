/** One jest run, a project per suite: shared, functions, cli, sim, gcp (Google's emulators), console (Chromium), e2e. */
const transform = { '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2023' } }] };
const base = { testEnvironment: 'node', transform, moduleFileExtensions: ['ts', 'js', 'json'] };

module.exports = {
  projects: [
    {
      ...base,
      displayName: 'shared',
      roots: ['<rootDir>/shared/src'],
      testMatch: ['**/*.test.ts'],
    },
    {
      ...base,
      displayName: 'functions',
      roots: ['<rootDir>/functions/src', '<rootDir>/functions/test-support'],
      testMatch: ['**/*.test.ts'],
    },
    { ...base, displayName: 'cli', roots: ['<rootDir>/cli'], testMatch: ['**/*.test.ts'] },
    { ...base, displayName: 'sim', roots: ['<rootDir>/sim/src'], testMatch: ['**/*.test.ts'] },
    {
      ...base,
      displayName: 'gcp',
      roots: ['<rootDir>/functions/test/gcp'],
      testMatch: ['**/*.test.ts'],
      // Starts Google's Firestore and Pub/Sub emulators (gcloud) and our Cloud Tasks facade on
      // loopback, once per run (never skipped); the teardown stops them, Java processes included.
      globalSetup: '<rootDir>/functions/test-support/emulators/global-setup.ts',
      globalTeardown: '<rootDir>/functions/test-support/emulators/global-teardown.ts',
    },
    {
      ...base,
      displayName: 'console',
      roots: ['<rootDir>/console'],
      testMatch: ['**/*.test.ts'],
      // Builds the console into .build/console (as npm start serves it) before the browser tests.
      globalSetup: '<rootDir>/console/test/global-setup.ts',
    },
    {
      ...base,
      displayName: 'e2e',
      roots: ['<rootDir>/functions/test'],
      testMatch: ['**/*.e2e.test.ts'],
    },
  ],
};
