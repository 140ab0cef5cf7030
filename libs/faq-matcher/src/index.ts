export * from './normalize';
export * from './faq-matcher';
