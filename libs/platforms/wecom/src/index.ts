export * from './wecom.descriptor';
export * from './wecom.callback-handler';
export * from './wecom.sender';
export * from './wecom-error.mapper';
export * from './wecom.adapter';
export * from './wecom.module';
