export * from './platform';
export * from './validation';
export * from './messages';
export * from './errors';
export * from './api';
export * from './desk';
export * from './kf';
export * from './mp';
