import { PlatformError } from '@imbridge/platform-core';
import { MpCredentialVerifier } from './mp.credentials';
import { MemoryMpTokens, ScriptedMpHttp } from './mp-test-fakes';

const CONFIG = { appId: 'wx0123456789abcdef', appSecret: 'c'.repeat(32), token: 'mpToken123', encryptionMode: 'plain', accountType: 'subscription' };
const verifier = new MpCredentialVerifier();

function ctx(http: ScriptedMpHttp, config: Record<string, unknown> = CONFIG) {
  return { integrationId: 'int', config, tokens: new MemoryMpTokens(), http };
}

describe('MpCredentialVerifier', () => {
  it('is ok when stable_token answers a token (fetched fresh, never from the cache)', async () => {
    const http = new ScriptedMpHttp().script('/cgi-bin/stable_token', { body: { access_token: 'T', expires_in: 7200 } });
    const c = ctx(http);
    c.tokens.store.set('anything', 'cached');
    expect(await verifier.verify(c)).toEqual({ ok: true, message: 'WeChat MP wx0123456789abcdef (subscription)' });
    expect(http.jsonBodies('/cgi-bin/stable_token')[0]).toMatchObject({ force_refresh: false });
  });

  it('40164: advice naming the IP to whitelist', async () => {
    const http = new ScriptedMpHttp().script('/cgi-bin/stable_token', { body: { errcode: 40164, errmsg: 'invalid ip 198.51.100.4 ipv6 ::ffff:198.51.100.4, not in whitelist rid: 1-2-3' } });
    const res = await verifier.verify(ctx(http));
    expect(res).toMatchObject({ ok: false, platformCode: '40164' });
    expect(res.advice?.zh).toContain('198.51.100.4');
    expect(res.advice?.en).toContain('add 198.51.100.4');
  });

  it('40125 / 40013: secret and AppID advice', async () => {
    const http = new ScriptedMpHttp().script('/cgi-bin/stable_token', { body: { errcode: 40125, errmsg: 'invalid appsecret' } }, { body: { errcode: 40013, errmsg: 'invalid appid' } });
    expect((await verifier.verify(ctx(http))).advice?.en).toContain('AppSecret is wrong');
    expect((await verifier.verify(ctx(http))).advice?.en).toContain('AppID is wrong');
  });

  it('an incomplete config, an HTTP error and a network failure come back as results, not throws', async () => {
    expect(await verifier.verify(ctx(new ScriptedMpHttp(), { ...CONFIG, encryptionMode: 'safe' }))).toMatchObject({ ok: false, platformCode: 'CONFIG_INCOMPLETE' });
    const http = new ScriptedMpHttp().script('/cgi-bin/stable_token', { status: 404, body: 'nope' }, new PlatformError('TEMPORARY', 'network error', { platformCode: 'NETWORK' }));
    expect(await verifier.verify(ctx(http))).toMatchObject({ ok: false, platformCode: 'HTTP_404' });
    expect(await verifier.verify(ctx(http))).toMatchObject({ ok: false, platformCode: 'NETWORK' });
  });
});
