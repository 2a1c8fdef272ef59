/** Jest: TypeScript through ts-jest (transpile only; `npm run typecheck` checks types), coverage of the whole service. */
module.exports = {
  // The node environment with a private $TMPDIR per test file, removed afterwards.
  testEnvironment: '<rootDir>/test/environment.js',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': 'ts-jest' },
  collectCoverage: true,
  collectCoverageFrom: ['service/**/*.ts'],
  // One table (its "All files" row is the summary).
  coverageReporters: ['text'],
  // Ends the run with the suites that did not run here, why, and what to install.
  reporters: ['default', '<rootDir>/test/skipped-reporter.js'],
  coverageThreshold: {
    './service/src/core/': { branches: 95, lines: 95 },
  },
  testTimeout: 30000,
};
