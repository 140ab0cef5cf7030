/** 公众号 (WeChat Official Account): the mp platform library (issue 6). */
export * from './mp.descriptor';
export * from './mp.callback';
export * from './mp.callback-handler';
export * from './mp-callback-advice';
export * from './mp-error-advice';
export * from './mp.normalize';
export * from './mp.reply';
export * from './mp-error.mapper';
export * from './mp-token';
export * from './mp-text';
export * from './mp.sender';
export * from './mp.credentials';
export * from './mp.adapter';
export * from './mp.module';
export * from './mp-admin-api';
export * from './mp-menu';
export * from './mp-media';
