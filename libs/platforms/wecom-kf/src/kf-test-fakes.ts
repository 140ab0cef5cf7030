/**
 * Test-only fakes (not exported from index): the scripted HttpClient and in-memory TokenProvider are
 * the shared ones from wecom-common, under the names the kf specs use.
 */
export { MemoryWecomTokens as MemoryTokens, ScriptedWecomHttp as ScriptedHttp } from '@imbridge/platform-wecom-common';

export const KF_CONFIG = {
  corpId: 'wx5823bf96d3bd56c7',
  secret: 'S'.repeat(43),
  token: 'QDG6eK',
  encodingAesKey: 'jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C',
  apiBaseUrl: 'https://kf.test/',
};
