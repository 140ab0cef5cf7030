export * from './test-env';
export * from './test-database';
export * from './eventually';
export * from './free-port';
export * from './fake-openai.server';
export * from './private-redis';
