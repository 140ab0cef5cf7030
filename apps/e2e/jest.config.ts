/* eslint-disable */
const preset = require('../../jest.preset.js');

// End-to-end: the built API and simulator as child processes, the built console in headless Chromium.
// `npm test` builds first; these tests never build (they fail clearly when dist/ is missing).
export default {
  ...preset,
  displayName: 'e2e',
  rootDir: __dirname,
  testMatch: ['<rootDir>/src/**/*.e2e.spec.ts'],
  // Applies when this config is run on its own; under the root config, the setup file sets it.
  testTimeout: 120_000,
  setupFilesAfterEnv: ['<rootDir>/src/support/jest-setup.ts'],
};
