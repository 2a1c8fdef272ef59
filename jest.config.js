/** Jest: TypeScript through ts-jest (transpile only; `npm run typecheck` checks types), coverage of the whole service. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': 'ts-jest' },
  collectCoverage: true,
  collectCoverageFrom: ['service/**/*.ts'],
  coverageReporters: ['text-summary', 'text'],
  coverageThreshold: {
    './service/src/core/': { branches: 95, lines: 95 },
  },
  testTimeout: 30000,
};
