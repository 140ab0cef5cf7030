export * from './utf8-text';
export * from './wecom-errors';
export * from './wecom-token';
export * from './wecom-config';
export * from './wecom-callback';
export * from './wecom-credential-check';
export * from './wecom-media-upload';
export * from './wecom-media-download';
