// Shared Jest settings: SWC transpiles TypeScript (with decorator metadata for NestJS/TypeORM),
// tsconfig paths become module mappings so tests run against the libraries' sources.
const path = require('node:path');
const { compilerOptions } = require('./tsconfig.base.json');

const moduleNameMapper = {};
for (const [alias, [target]] of Object.entries(compilerOptions.paths)) {
  moduleNameMapper[`^${alias.replace('/', '\\/')}$`] = path.join(__dirname, target);
}

module.exports = {
  testEnvironment: 'node',
  transform: {
    '^.+\\.(t|j)sx?$': [
      '@swc/jest',
      {
        jsc: {
          target: 'es2022',
          parser: { syntax: 'typescript', decorators: true, tsx: true },
          transform: { legacyDecorator: true, decoratorMetadata: true, react: { runtime: 'automatic' } },
          keepClassNames: true,
        },
        module: { type: 'commonjs' },
        sourceMaps: 'inline',
      },
    ],
  },
  moduleFileExtensions: ['ts', 'tsx', 'js', 'json'],
  moduleNameMapper,
  // ESM-only dependencies (Node loads them with require(esm); Jest needs them compiled).
  transformIgnorePatterns: ['/node_modules/(?!(content-disposition|cookie|@nestjs/typeorm)/)'],
  testMatch: ['**/?(*.)+(spec|test).ts'],
};
