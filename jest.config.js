/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }],
  },
  // Examples import the package by name, as users do; tests resolve that name to the sources.
  moduleNameMapper: {
    '^curvezmq$': '<rootDir>/index.ts',
    '^curvezmq/browser$': '<rootDir>/src/browser.ts',
    '^curvezmq/(zeromq|stream|zmtp)$': '<rootDir>/src/adapters/$1/index.ts',
  },
  reporters: ['default', '<rootDir>/test/summary-reporter.js'],
  testTimeout: 30000,
};
