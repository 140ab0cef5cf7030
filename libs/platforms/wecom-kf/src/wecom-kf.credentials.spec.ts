import { PlatformError } from '@imbridge/platform-core';
import { KF_CONFIG, MemoryTokens, ScriptedHttp } from './kf-test-fakes';
import { ipFromKfErrmsg, WecomKfCredentialVerifier } from './wecom-kf.credentials';

const verify = (http: ScriptedHttp, config: Record<string, unknown> = KF_CONFIG) =>
  new WecomKfCredentialVerifier().verify({ integrationId: 'i1', config, http, tokens: new MemoryTokens() });
const OK_TOKEN = { errcode: 0, errmsg: 'ok', access_token: 'fresh', expires_in: 7200 };

describe('WecomKfCredentialVerifier', () => {
  it('names the kf accounts the secret can see (doc 94661 response)', async () => {
    const http = new ScriptedHttp()
      .script('/cgi-bin/gettoken', { body: OK_TOKEN })
      .script('/cgi-bin/kf/account/list', { body: { errcode: 0, account_list: [{ open_kfid: 'wkAJ2GCAAASSm4_FhToWMFea0xAFfd3Q', name: '咨询客服', avatar: 'https://wework.qpic.cn/x' }] } });
    const res = await verify(http);
    expect(res).toEqual({ ok: true, message: '1 kf account(s): 咨询客服 (wkAJ2GCAAASSm4_FhToWMFea0xAFfd3Q)' });
    expect(http.calls('/cgi-bin/kf/account/list')[0]).toMatchObject({ method: 'POST', body: '{"offset":0,"limit":100}' });
    expect(http.calls('/cgi-bin/kf/account/list')[0]?.url).toContain('access_token=fresh');
  });

  it('connected but no account visible: ok with advice', async () => {
    const http = new ScriptedHttp().script('/cgi-bin/gettoken', { body: OK_TOKEN }).script('/cgi-bin/kf/account/list', { body: { errcode: 0, account_list: [] } });
    const res = await verify(http);
    expect(res.ok).toBe(true);
    expect(res.advice?.en).toMatch(/sees no kf account/);
  });

  it('60020: names the egress IP from the errmsg', async () => {
    const errmsg = 'not allow to access from your ip, hint: [1700000000_1_x], from ip: 203.0.113.7, more info at https://open.work.weixin.qq.com/devtool/query?e=60020';
    expect(ipFromKfErrmsg(errmsg)).toBe('203.0.113.7');
    const res = await verify(new ScriptedHttp().script('/cgi-bin/gettoken', { body: { errcode: 60020, errmsg } }));
    expect(res).toMatchObject({ ok: false, platformCode: '60020' });
    expect(res.advice?.zh).toContain('203.0.113.7');
  });

  it('48002 on account/list: the app is not allowed to call the kf API', async () => {
    const res = await verify(new ScriptedHttp().script('/cgi-bin/gettoken', { body: OK_TOKEN }).script('/cgi-bin/kf/account/list', { body: { errcode: 48002, errmsg: 'api forbidden' } }));
    expect(res).toMatchObject({ ok: false, platformCode: '48002' });
    expect(res.advice?.en).toMatch(/allowed to call the API/);
  });

  it('40001 wrong secret, HTTP 502, network failure and an incomplete config all explain themselves', async () => {
    expect((await verify(new ScriptedHttp().script('/cgi-bin/gettoken', { body: { errcode: 40001, errmsg: 'invalid credential' } }))).advice?.en).toMatch(/Secret is wrong/);
    expect((await verify(new ScriptedHttp().script('/cgi-bin/gettoken', { status: 502, body: 'bad gateway' }))).platformCode).toBe('HTTP_502');
    const net = await verify(new ScriptedHttp().script('/cgi-bin/gettoken', new PlatformError('TEMPORARY', 'network error', { platformCode: 'NETWORK' })));
    expect(net).toMatchObject({ ok: false, platformCode: 'NETWORK' });
    expect((await verify(new ScriptedHttp(), { corpId: 'ww1' })).platformCode).toBe('CONFIG_INCOMPLETE');
  });
});
