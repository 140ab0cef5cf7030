export * from './platform-error';
export * from './callback';
export * from './sender';
export * from './http-client';
export * from './safe-xml';
export * from './platform-adapter';
export * from './answer';
export * from './reply-window';
