/** One jest project per suite, so `--selectProjects` picks a suite and `npm test` runs them all. */
/* global module -- CommonJS config file */
const base = {
  preset: 'ts-jest',
  testEnvironment: 'node',
  setupFiles: ['reflect-metadata'],
  // transpile only (no type check per file): isolatedModules is set in tsconfig.json, where
  // ts-jest 29.4 wants it; `npm run typecheck` checks the types
  transform: { '^.+\\.ts$': ['ts-jest', {}] },
};
module.exports = {
  // a timeout ends a hang; it must not judge speed on a busy machine (jest's default is 5 s)
  testTimeout: 120_000,
  projects: [
    { ...base, displayName: 'unit', testMatch: ['<rootDir>/test/unit/**/*.test.ts'] },
    { ...base, displayName: 'memory', testMatch: ['<rootDir>/test/memory/**/*.test.ts'] },
    // the built `adx` binary as a user runs it; dist/ is built once before the suites
    {
      ...base,
      displayName: 'cli',
      testMatch: ['<rootDir>/test/cli/**/*.test.ts'],
      globalSetup: '<rootDir>/test/cli/support/build-dist.ts',
      setupFilesAfterEnv: ['<rootDir>/test/cli/support/cli.setup.ts'],
    },
    { ...base, displayName: 'conformance', testMatch: ['<rootDir>/test/conformance/**/*.test.ts'] },
    // against the local stack (ops/stack.sh up): real Kafka, registry; run with --runInBand
    {
      ...base,
      displayName: 'integration',
      testMatch: ['<rootDir>/test/integration/**/*.test.ts'],
      setupFilesAfterEnv: ['<rootDir>/test/support/real-stack.setup.ts'],
    },
    {
      ...base,
      displayName: 'exactly-once',
      testMatch: ['<rootDir>/test/exactly-once/**/*.test.ts'],
      setupFilesAfterEnv: ['<rootDir>/test/support/real-stack.setup.ts'],
    },
    // several service processes in one consumer group over the real stack
    {
      ...base,
      displayName: 'scale-out',
      testMatch: ['<rootDir>/test/scale-out/**/*.test.ts'],
      setupFilesAfterEnv: ['<rootDir>/test/support/real-stack.setup.ts'],
    },
    // stops parts of the shared stack one at a time: run last and alone (scripts/test-all.sh)
    {
      ...base,
      displayName: 'outages',
      testMatch: ['<rootDir>/test/outages/**/*.test.ts'],
      setupFilesAfterEnv: ['<rootDir>/test/support/real-stack.setup.ts'],
    },
    // Prometheus and Alertmanager (ops/stack.sh up --monitoring) over the real stack
    {
      ...base,
      displayName: 'monitoring',
      testMatch: ['<rootDir>/test/monitoring/**/*.test.ts'],
      setupFilesAfterEnv: ['<rootDir>/test/support/real-stack.setup.ts'],
    },
    {
      ...base,
      displayName: 'contract',
      testMatch: ['<rootDir>/test/contract/**/*.test.ts'],
      setupFilesAfterEnv: ['<rootDir>/test/support/real-stack.setup.ts'],
    },
  ],
};
