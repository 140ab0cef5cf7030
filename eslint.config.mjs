import nx from '@nx/eslint-plugin';
import tseslint from 'typescript-eslint';

/**
 * Module boundaries that actually restrict (see docs/architecture.md):
 * - shared libs (crypto, contracts, testing) never import NestJS, TypeORM or Bull;
 * - platform libs never import each other or persistence, only platform-core, contracts, util;
 * - the console and the simulator only use shared libs.
 */
const DEP_CONSTRAINTS = [
  {
    sourceTag: 'scope:shared',
    onlyDependOnLibsWithTags: ['scope:shared'],
    bannedExternalImports: ['@nestjs/*', 'typeorm', 'bull', '@nestjs/bull', 'react', 'antd'],
  },
  { sourceTag: 'scope:console', onlyDependOnLibsWithTags: ['scope:shared', 'scope:console'] },
  { sourceTag: 'scope:sim', onlyDependOnLibsWithTags: ['scope:shared', 'scope:sim'] },
  { sourceTag: 'scope:api', notDependOnLibsWithTags: ['scope:console'] },
  { sourceTag: 'type:util', onlyDependOnLibsWithTags: ['type:util'] },
  { sourceTag: 'type:contract', onlyDependOnLibsWithTags: ['type:contract', 'type:util'] },
  {
    sourceTag: 'type:platform',
    onlyDependOnLibsWithTags: ['type:platform-family', 'type:platform-core', 'type:contract', 'type:util'],
    bannedExternalImports: ['typeorm', '@nestjs/typeorm', 'bull', '@nestjs/bull', 'pg'],
  },
  {
    sourceTag: 'type:platform-core',
    onlyDependOnLibsWithTags: ['type:contract', 'type:util'],
    bannedExternalImports: ['typeorm', '@nestjs/typeorm', 'bull', '@nestjs/bull', 'pg'],
  },
  {
    // Code shared by the platforms of one family (WeCom app and 微信客服): never a platform itself.
    sourceTag: 'type:platform-family',
    onlyDependOnLibsWithTags: ['type:platform-core', 'type:contract', 'type:util'],
    bannedExternalImports: ['typeorm', '@nestjs/typeorm', 'bull', '@nestjs/bull', 'pg'],
  },
  { sourceTag: 'type:data-access', onlyDependOnLibsWithTags: ['type:contract', 'type:util'] },
  { sourceTag: 'type:testing', onlyDependOnLibsWithTags: ['type:util', 'type:contract', 'type:data-access', 'type:testing'] },
  {
    sourceTag: 'type:app',
    onlyDependOnLibsWithTags: ['type:platform', 'type:platform-family', 'type:platform-core', 'type:data-access', 'type:contract', 'type:util', 'type:testing'],
  },
  { sourceTag: 'type:e2e', onlyDependOnLibsWithTags: ['*'] },
];

/**
 * Specs may also use the test helpers (real databases, eventually …); production code may not.
 * Only the type constraints widen: the scope constraints still keep shared libs' specs off the testing lib.
 */
const SPEC_DEP_CONSTRAINTS = DEP_CONSTRAINTS.map((c) =>
  c.sourceTag.startsWith('type:') && c.onlyDependOnLibsWithTags && !c.onlyDependOnLibsWithTags.includes('*')
    ? { ...c, onlyDependOnLibsWithTags: [...new Set([...c.onlyDependOnLibsWithTags, 'type:testing'])] }
    : c,
);

function moduleBoundaries(depConstraints) {
  return [
    'error',
    {
      enforceBuildableLibDependency: false,
      allow: [],
      // A test-only cycle: the testing lib's global setup migrates the template database with
      // persistence, and persistence's specs use the testing lib's databases.
      ignoredCircularDependencies: [['persistence', 'testing']],
      depConstraints,
    },
  ];
}

export default [
  ...nx.configs['flat/base'],
  ...nx.configs['flat/typescript'],
  {
    ignores: ['**/dist', '**/node_modules', '**/.nx', '**/vite.config.*.timestamp*', 'tmp/**', 'coverage/**'],
  },
  {
    files: ['**/*.ts', '**/*.tsx'],
    rules: {
      '@nx/enforce-module-boundaries': moduleBoundaries(DEP_CONSTRAINTS),
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
    },
  },
  {
    files: ['**/*.spec.ts'],
    rules: { '@nx/enforce-module-boundaries': moduleBoundaries(SPEC_DEP_CONSTRAINTS) },
  },
  {
    // Type-aware rules for the server side: a dropped promise is a lost message.
    files: ['apps/api/src/**/*.ts', 'apps/platform-sim/src/**/*.ts', 'libs/**/*.ts'],
    // Build and test tool configs belong to no tsconfig, so the project service cannot type them.
    ignores: ['**/jest.config.ts', '**/webpack.config.js', '**/vite.config.*'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { '@typescript-eslint': tseslint.plugin },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: false }],
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
    },
  },
];
