import type { Config } from 'jest';

// Every Jest project of the workspace. `npm test` runs them all (scripts/test.mjs);
// `npx jest --selectProjects crypto` runs one.
const config: Config = {
  projects: [
    '<rootDir>/libs/crypto',
    '<rootDir>/libs/faq-matcher',
    '<rootDir>/libs/contracts',
    '<rootDir>/libs/platforms/core',
    '<rootDir>/libs/platforms/wecom',
    '<rootDir>/libs/platforms/wecom-kf',
    '<rootDir>/libs/platforms/wecom-common',
    '<rootDir>/libs/platforms/mp',
    '<rootDir>/libs/persistence',
    '<rootDir>/libs/platform-sim',
    '<rootDir>/apps/api',
    '<rootDir>/apps/e2e',
    '<rootDir>/tools/lint-rules',
  ],
  globalSetup: '<rootDir>/libs/testing/src/global-setup.ts',
  globalTeardown: '<rootDir>/libs/testing/src/global-teardown.ts',
};

export default config;
