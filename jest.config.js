/** Jest: TypeScript through ts-jest (transpile only; `npm run typecheck` checks types), coverage of the whole service. */
module.exports = {
  // The node environment with a private $TMPDIR per test file, removed afterwards.
  testEnvironment: '<rootDir>/test/environment.js',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': 'ts-jest' },
  collectCoverage: true,
  collectCoverageFrom: ['service/**/*.ts'],
  // The table goes to coverage/coverage.txt; the console gets one line (coverage-line-reporter).
  coverageReporters: [['text', { file: 'coverage.txt' }], 'json-summary'],
  // Ends the run with the coverage line, then the suites that did not run here, why, what to
  // install and how to run only them.
  reporters: [
    'default',
    '<rootDir>/test/coverage-line-reporter.js',
    '<rootDir>/test/skipped-reporter.js',
  ],
  coverageThreshold: {
    './service/src/core/': { branches: 95, lines: 95 },
  },
  testTimeout: 30000,
};
