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

/**
 * The API's generic pipeline (the "spine") names no platform: whatever a platform needs goes through
 * platform-core's contracts (descriptor, hooks, registry), never through a branch in these folders.
 * The api is one Nx project, so Nx tags cannot separate its folders; these rules do.
 */
const SPINE_FOLDERS = [
  'inbox', 'callbacks', 'outbound', 'bot', 'conversations', 'inbound-sources', 'reply-window',
  'media', 'dead-letters', 'desk', 'realtime', 'keyword-rules', 'faq', 'queue',
];
/** The ids of PLATFORM_IDS (and the ones on their way): a string literal equal to one is a platform branch. */
const PLATFORM_ID_LITERALS = ['wecom', 'wecom-kf', 'mp', 'archive', 'dingtalk', 'feishu'];
const PLATFORM_ID_PATTERN = `/^(?:${PLATFORM_ID_LITERALS.join('|')})$/`;
const HOW_TO_ADD_A_PLATFORM = 'see libs/platforms/core/README.md, "How to add a platform"';
const PLATFORM_ID_MESSAGE = `The generic pipeline names no platform: no platform id literal here (a branch like platform === 'mp'); put the behaviour in the platform's descriptor or hooks and let platform-core dispatch on it (${HOW_TO_ADD_A_PLATFORM}).`;
const SPINE_RULES = {
  'no-restricted-imports': [
    'error',
    {
      patterns: [
        {
          // Any platform library but platform-core (and its subpaths, e.g. @imbridge/platform-core/testing).
          regex: '^@imbridge/platform-(?!core(?:/|$))',
          message: `The generic pipeline names no platform: import only @imbridge/platform-core and @imbridge/contracts here, and reach a platform through its descriptor/hooks in the registry (${HOW_TO_ADD_A_PLATFORM}).`,
        },
        {
          // A relative path through a platform folder of the api: ../kf/x, ../../mp/x, ./kf, ...
          regex: '^\\.{1,2}/(?:.*/)?(?:kf|mp)(?:/|$)',
          message: `The generic pipeline names no platform: apps/api/src/kf and apps/api/src/mp plug into it through platform-core's hooks, the spine never imports them (${HOW_TO_ADD_A_PLATFORM}).`,
        },
      ],
    },
  ],
  'no-restricted-syntax': [
    'error',
    {
      selector: `Literal[value=${PLATFORM_ID_PATTERN}]`,
      message: PLATFORM_ID_MESSAGE,
    },
    {
      // The same id written as a template literal without substitutions: `mp`.
      selector: `TemplateLiteral[expressions.length=0] > TemplateElement[value.cooked=${PLATFORM_ID_PATTERN}]`,
      message: PLATFORM_ID_MESSAGE,
    },
  ],
};

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
  {
    // Last, so no broader block can override it. Specs of the spine obey it too.
    files: [`apps/api/src/{${SPINE_FOLDERS.join(',')}}/**/*.ts`],
    rules: SPINE_RULES,
  },
];
