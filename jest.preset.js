/** Shared jest settings: TypeScript through swc (transpile only; `typecheck` targets run tsc). */
/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  testMatch: ['<rootDir>/src/**/*.spec.ts'],
  transform: {
    '^.+\\.ts$': [
      '@swc/jest',
      { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } },
    ],
  },
  // Workspace packages are symlinked into node_modules and point at their TypeScript sources.
  transformIgnorePatterns: ['/node_modules/(?!@a2d/)'],
  testTimeout: 60000,
  globalSetup: require.resolve('./tools/jest/global-setup.js'),
  globalTeardown: require.resolve('./tools/jest/global-teardown.js'),
};
