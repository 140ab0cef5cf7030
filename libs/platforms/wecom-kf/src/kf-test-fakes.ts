/**
 * Test-only fakes (not exported from index): the shared platform test doubles
 * (`@imbridge/platform-core/testing`) and a kf configuration.
 */
export { MemoryTokens, ScriptedHttp } from '@imbridge/platform-core/testing';

export const KF_CONFIG = {
  corpId: 'wx5823bf96d3bd56c7',
  secret: 'S'.repeat(43),
  token: 'QDG6eK',
  encodingAesKey: 'jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C',
  apiBaseUrl: 'https://kf.test/',
};
