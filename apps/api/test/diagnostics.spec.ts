import { randomBytes } from 'node:crypto';
import { startPlatformSim, type PlatformSim, type WecomApp } from '@imbridge/platform-sim';
import { MP_CALLBACK_ADVICE, MpAdapter } from '@imbridge/platform-mp';
import { WecomAdapter } from '@imbridge/platform-wecom';
import { WECOM_CALLBACK_ADVICE } from '@imbridge/platform-wecom-common';
import { WecomKfAdapter } from '@imbridge/platform-wecom-kf';
import { adviseDiagnostics, CAUSES, causeOf, NEVER_REACHED, SETUP_ORDER, type Advice, type CallbackDiagnosticsView } from '../src/callbacks/diagnostics-advice';
import type { CallbackRecord } from '../src/callbacks/callback-diagnostics.service';
import { deadLetterAdvice, platformCodeAdvice } from '../src/dead-letters/dead-letter-advice';
import { startTestApp, type TestApp } from './test-app';

jest.setTimeout(30_000);

/** The WeCom app's advice, as the registry hands it to the generic code. */
const wecomAdvice = new WecomAdapter().advice;
const wecom = wecomAdvice.callback;
/** What a WeCom integration shows per reason: WeCom's own cause, else the generic one. */
const WECOM_CAUSES: Record<string, Advice> = { ...CAUSES, ...(wecom.causes as Record<string, Advice>) };
const WECOM_NEVER_REACHED = wecom.neverReached!;
const WECOM_SETUP_ORDER = wecom.setupOrder!;

describe('diagnostics advice (pure)', () => {
  const rec = (outcome: CallbackRecord['outcome'], detail: string, at: string): CallbackRecord => ({ at, method: 'POST', outcome, detail, count: 1 });

  it('explains every failure kind in Chinese and English', () => {
    const expectations: Record<string, RegExp> = {
      'signature-mismatch': /Token/,
      'decrypt-failed: DECRYPT': /EncodingAESKey/,
      'receive-id-mismatch: RECEIVE_ID_MISMATCH': /CorpID/,
      'timestamp-out-of-tolerance: 3600s': /clock|NTP/,
      'malformed-body: inner: DOCTYPE': /proxy/,
      'integration-disabled': /disabled/,
      'method-not-allowed': /GET/,
      'missing-parameters: echostr': /msg_signature/,
    };
    for (const [detail, en] of Object.entries(expectations)) {
      const cause = causeOf({ outcome: 'rejected', detail }, wecom);
      expect({ detail, en: cause?.en }).toEqual({ detail, en: expect.stringMatching(en) });
      expect(cause?.zh).toMatch(/[\u4e00-\u9fff]/);
    }
    expect(causeOf({ outcome: 'rejected', detail: 'signature-mismatch' }, wecom)?.en).toMatch(/saved in WeCom before/);
    expect(causeOf({ outcome: 'error', detail: 'storage unavailable' }, wecom)).toBe(CAUSES['storage unavailable']);
    expect(causeOf({ outcome: 'rejected', detail: 'something new' }, wecom)?.en).toMatch(/refused/);
    expect(causeOf({ outcome: 'accepted', detail: 'text' }, wecom)).toBeUndefined();
    // A prefix must end at a word boundary.
    expect(causeOf({ outcome: 'rejected', detail: 'signature-mismatched-thing' }, wecom)?.en).not.toBe(WECOM_CAUSES['signature-mismatch']!.en);
  });

  it('summarizes: last received, last success, last failure with its cause; never reached when empty', () => {
    const empty = adviseDiagnostics([], wecom);
    expect(empty).toEqual({
      records: [],
      summary: { lastReceivedAt: null, lastSuccessAt: null, lastFailure: null, neverReached: true, neverReachedCause: WECOM_NEVER_REACHED },
      setupOrder: WECOM_SETUP_ORDER,
    });
    const view = adviseDiagnostics([
      rec('rejected', 'signature-mismatch', '2026-01-01T00:00:03.000Z'),
      rec('accepted', 'text', '2026-01-01T00:00:02.000Z'),
      rec('rejected', 'decrypt-failed: DECRYPT', '2026-01-01T00:00:01.000Z'),
      rec('verified', 'url-verification', '2026-01-01T00:00:00.000Z'),
    ], wecom);
    expect(view.summary).toEqual({
      lastReceivedAt: '2026-01-01T00:00:03.000Z',
      lastSuccessAt: '2026-01-01T00:00:02.000Z',
      lastFailure: { at: '2026-01-01T00:00:03.000Z', detail: 'signature-mismatch', cause: WECOM_CAUSES['signature-mismatch'] },
      neverReached: false,
      neverReachedCause: null,
    });
    expect(view.records.map((r) => r.cause?.en ?? null)).toEqual([WECOM_CAUSES['signature-mismatch']!.en, null, WECOM_CAUSES['decrypt-failed']!.en, null]);
    expect(view.records[1]).toEqual(rec('accepted', 'text', '2026-01-01T00:00:02.000Z'));
  });

  it('has a setup order in both languages: save here, paste in WeCom, WeCom verifies, test message', () => {
    expect(WECOM_SETUP_ORDER.zh).toHaveLength(4);
    expect(WECOM_SETUP_ORDER.en).toHaveLength(4);
    expect(WECOM_SETUP_ORDER.en[0]).toMatch(/Save the integration here first/);
    expect(WECOM_SETUP_ORDER.en[1]).toMatch(/URL, Token and EncodingAESKey/);
    expect(WECOM_SETUP_ORDER.en[2]).toMatch(/verifies the URL at once/);
    expect(WECOM_SETUP_ORDER.en[3]).toMatch(/test message/);
    expect(WECOM_NEVER_REACHED.en).toMatch(/PUBLIC_BASE_URL/);
  });

  it('without a platform advice, gives generic advice for every reason, naming no platform', () => {
    const reasons = [
      'signature-mismatch',
      'decrypt-failed',
      'receive-id-mismatch',
      'timestamp-out-of-tolerance',
      'malformed-body',
      'missing-parameters',
      'method-not-allowed',
      'body-too-large',
      'unknown-integration',
      'integration-disabled',
    ];
    for (const detail of reasons) {
      const cause = causeOf({ outcome: 'rejected', detail: `${detail}: x` });
      expect({ detail, cause }).toEqual({ detail, cause: CAUSES[detail] });
    }
    const empty = adviseDiagnostics([]);
    expect(empty.summary.neverReachedCause).toBe(NEVER_REACHED);
    expect(empty.setupOrder).toBe(SETUP_ORDER);
    expect(NEVER_REACHED.en).toMatch(/PUBLIC_BASE_URL/);
    expect(JSON.stringify({ CAUSES, NEVER_REACHED, SETUP_ORDER })).not.toMatch(/WeCom|WeChat|Official Account|企业微信|公众号|微信|CorpID|AppID/);
  });

  it("takes the platform's causes over the generic ones, reason by reason", () => {
    const mp = new MpAdapter().advice.callback;
    expect(mp).toBe(MP_CALLBACK_ADVICE);
    expect(causeOf({ outcome: 'rejected', detail: 'signature-mismatch' }, mp)?.zh).toContain('服务器配置');
    expect(causeOf({ outcome: 'rejected', detail: 'malformed-body: <Encrypt> missing' }, mp)?.en).toMatch(/encryption mode/);
    // A reason the platform leaves out: the generic advice.
    expect(causeOf({ outcome: 'rejected', detail: 'timestamp-out-of-tolerance: 3600s' }, mp)).toBe(CAUSES['timestamp-out-of-tolerance']);
    const view = adviseDiagnostics([], mp);
    expect(view.summary.neverReachedCause).toBe(MP_CALLBACK_ADVICE.neverReached);
    expect(view.setupOrder.zh.join('')).toContain('IP白名单');
    expect(JSON.stringify(view)).not.toContain('WeCom');
    // 微信客服 is configured in the same WeCom console as the app.
    expect(new WecomKfAdapter().advice.callback).toBe(WECOM_CALLBACK_ADVICE);
    expect(wecom).toBe(WECOM_CALLBACK_ADVICE);
  });
});

/** Dead-letter advice with each platform's own advice, as the registry hands it to the generic code. */
describe('deadLetterAdvice with the platforms\' advice (pure)', () => {
  const kfAdvice = new WecomKfAdapter().advice;
  const mpAdvice = new MpAdapter().advice;

  it('names the IP to add to 企业可信IP for a WeCom 60020', () => {
    const advice = deadLetterAdvice(wecomAdvice, {
      code: 'CONFIG',
      platformCode: '60020',
      message: 'WeCom message/send: 60020 not allow to access from your ip, hint: [x], from ip: 198.51.100.4, more info at https://open.work.weixin.qq.com/devtool/query?e=60020',
    });
    expect(advice!.zh).toBe('本服务器的出口 IP 不在企业可信IP中：请在应用详情页「企业可信IP」中加入 198.51.100.4。');
    expect(advice!.en).toContain('198.51.100.4');
  });

  it('explains permission and credential codes of WeCom', () => {
    expect(deadLetterAdvice(wecomAdvice, { code: 'PERMISSION', platformCode: '48001', message: 'api forbidden' })!.zh).toContain('无权限');
    expect(deadLetterAdvice(wecomAdvice, { code: 'CONFIG', platformCode: '40001', message: 'invalid credential' })!.zh).toContain('Secret');
  });

  it('explains the reply-window codes of 微信客服 and 公众号', () => {
    for (const platformCode of ['45015', '95018']) {
      const advice = deadLetterAdvice(kfAdvice, { code: 'WINDOW_CLOSED', platformCode, message: 'x' });
      expect(advice!.zh).toContain('48 小时');
      expect(advice!.en).toContain('48 hours');
    }
    const mp = deadLetterAdvice(mpAdvice, { code: 'WINDOW_CLOSED', platformCode: '45015', message: 'x' });
    expect(mp!.zh).toContain('48 小时');
    expect(deadLetterAdvice(mpAdvice, { code: 'WINDOW_CLOSED', platformCode: '45047', message: 'x' })!.zh).toContain('条数超过上限');
  });

  it('explains the 微信客服 session refusals without falling back on the normalized code', () => {
    expect(platformCodeAdvice(kfAdvice, { code: 'PERMISSION', platformCode: '95014', message: 'x' })!.zh).toContain('接待状态');
    expect(platformCodeAdvice(kfAdvice, { code: 'CONFIG', platformCode: '95017', message: 'x' })!.en).toContain('WeChat Customer Service → API');
    expect(platformCodeAdvice(kfAdvice, { code: 'PERMISSION', platformCode: '40201', message: 'x' })).toBeNull();
  });

  it('explains our own sender codes, then falls back on the normalized code', () => {
    expect(deadLetterAdvice(wecomAdvice, { code: 'CONFIG', platformCode: 'DISABLED', message: 'integration disabled' })!.zh).toContain('停用');
    expect(deadLetterAdvice(wecomAdvice, { code: 'INVALID', platformCode: '45002', message: 'content too long' })!.en).toContain('invalid');
    expect(deadLetterAdvice(undefined, { code: 'TEMPORARY', platformCode: 'INTERNAL', message: 'boom' })!.zh).toContain('重试');
    expect(deadLetterAdvice(wecomAdvice, { code: 'UNKNOWN', message: 'x' })).not.toBeNull();
  });

  it('gives nothing without an error or for an unheard-of code', () => {
    expect(deadLetterAdvice(wecomAdvice, null)).toBeNull();
    expect(deadLetterAdvice(wecomAdvice, { code: 'NEW_CODE', message: 'x' })).toBeNull();
  });

  it('公众号: name the IP for the whitelist, explain passive-only accounts and the missing API permission', () => {
    const ip = deadLetterAdvice(mpAdvice, { code: 'CONFIG', message: 'invalid ip 203.0.113.7 ipv6 ::ffff:203.0.113.7, not in whitelist rid: 1', platformCode: '40164' });
    expect(ip?.zh).toContain('203.0.113.7');
    expect(ip?.en).toContain('IP whitelist');
    expect(deadLetterAdvice(mpAdvice, { code: 'INVALID', message: 'x', platformCode: 'PASSIVE_TEXT_ONLY' })?.zh).toContain('只能被动回复');
    expect(deadLetterAdvice(mpAdvice, { code: 'PERMISSION', message: 'api unauthorized', platformCode: '48001' })?.en).toContain('Passive reply only');
  });
});

describe('GET /api/integrations/:id/callbacks', () => {
  let app: TestApp;
  let sim: PlatformSim;
  beforeAll(async () => {
    sim = await startPlatformSim();
    app = await startTestApp();
  });
  afterAll(async () => {
    await app?.close();
    await sim?.close();
  });

  const corp = () => `ww${randomBytes(8).toString('hex')}`;
  const secret = () => randomBytes(32).toString('base64url').slice(0, 43);
  const key = () => randomBytes(40).toString('base64').replace(/[^A-Za-z0-9]/g, '').padEnd(43, 'k').slice(0, 43);

  async function create(s: WecomApp): Promise<{ id: string; callbackUrl: string }> {
    const res = await app.api<{ id: string; callbackUrl: string }>(
      'POST',
      '/api/integrations',
      { platform: 'wecom', name: 'diagnostics', config: { corpId: s.corpId, agentId: s.agentId, secret: s.secret, token: s.token, encodingAesKey: s.encodingAesKey, apiBaseUrl: sim.url } },
      app.adminToken,
    );
    expect(res.status).toBe(201);
    return res.body;
  }
  const diagnostics = async (id: string) => {
    const r = await app.api<CallbackDiagnosticsView>('GET', `/api/integrations/${id}/callbacks`, undefined, app.adminToken);
    expect(r.status).toBe(200);
    return r.body;
  };
  const tick = () => new Promise((r) => setTimeout(r, 5));

  it('says "never reached" for a fresh integration, with the setup order', async () => {
    const s = sim.wecom.addApp({ corpId: corp(), agentId: 1000002, secret: secret() });
    const { id } = await create(s);
    expect(await diagnostics(id)).toEqual({
      records: [],
      summary: { lastReceivedAt: null, lastSuccessAt: null, lastFailure: null, neverReached: true, neverReachedCause: WECOM_NEVER_REACHED },
      setupOrder: WECOM_SETUP_ORDER,
    });
    expect((await app.api('GET', `/api/integrations/${id}/callbacks`, undefined, undefined)).status).toBe(401);
  });

  it('gives the cause of each failure kind and a summary', async () => {
    const s = sim.wecom.addApp({ corpId: corp(), agentId: 1000002, secret: secret() });
    const { id, callbackUrl } = await create(s);
    const push = async (corpId: string, opts: { timestamp?: string } = {}) =>
      (await sim.wecom.client.push(callbackUrl, corpId, { type: 'text', fromUser: 'diag-user', content: 'hi' }, opts)).responses[0]!.status;

    // URL verification and a good message.
    expect((await sim.wecom.client.verifyUrl(callbackUrl, s.corpId)).status).toBe(200);
    await tick();
    expect(await push(s.corpId)).toBe(200);
    await tick();
    // Token differs (another corp signing with its own token and key).
    const otherToken = sim.wecom.addApp({ corpId: corp(), agentId: 1000002, secret: secret() });
    expect(await push(otherToken.corpId)).toBe(400);
    await tick();
    // Same token, another EncodingAESKey.
    const otherKey = sim.wecom.addApp({ corpId: corp(), agentId: 1000002, secret: secret(), token: s.token, encodingAesKey: key() });
    expect(await push(otherKey.corpId)).toBe(400);
    await tick();
    // Same token and key, another CorpID.
    const otherCorp = sim.wecom.addApp({ corpId: corp(), agentId: 1000002, secret: secret(), token: s.token, encodingAesKey: s.encodingAesKey });
    expect(await push(otherCorp.corpId)).toBe(400);
    await tick();
    // Replay / clock skew.
    expect(await push(s.corpId, { timestamp: String(Math.floor(Date.now() / 1000) - 3600) })).toBe(400);
    await tick();
    // Not a WeCom body.
    const q = new URL(callbackUrl);
    expect((await fetch(`${q}?msg_signature=00&timestamp=${Math.floor(Date.now() / 1000)}&nonce=1`, { method: 'POST', body: '<xml><Encrypt>' })).status).toBe(400);
    await tick();
    // A method WeCom never uses.
    expect((await fetch(callbackUrl, { method: 'PUT', body: 'x' })).status).toBeGreaterThanOrEqual(400);
    await tick();

    const view = await diagnostics(id);
    const byDetail = new Map(view.records.map((r) => [r.detail.split(':')[0]!, r]));
    expect(byDetail.get('url-verification')).toMatchObject({ outcome: 'verified' });
    expect(byDetail.get('url-verification')!.cause).toBeUndefined();
    expect(byDetail.get('text')).toMatchObject({ outcome: 'accepted' });
    expect(byDetail.get('text')!.cause).toBeUndefined();
    for (const kind of ['signature-mismatch', 'decrypt-failed', 'receive-id-mismatch', 'timestamp-out-of-tolerance', 'malformed-body']) {
      expect({ kind, outcome: byDetail.get(kind)?.outcome, cause: byDetail.get(kind)?.cause }).toEqual({ kind, outcome: 'rejected', cause: WECOM_CAUSES[kind] });
    }
    const textAt = byDetail.get('text')!.at;
    expect(view.summary.lastSuccessAt).toBe(textAt);
    expect(view.summary.neverReached).toBe(false);
    expect(view.summary.neverReachedCause).toBeNull();
    expect(view.summary.lastReceivedAt).toBe(view.records[0]!.at);
    expect(view.summary.lastFailure).toEqual({ at: view.records[0]!.at, detail: view.records[0]!.detail, cause: view.records[0]!.cause });
    expect(view.setupOrder).toEqual(WECOM_SETUP_ORDER);
    // Newest first.
    const ats = view.records.map((r) => r.at);
    expect([...ats].sort().reverse()).toEqual(ats);

    // Disabled integration.
    expect((await app.api('PUT', `/api/integrations/${id}`, { enabled: false }, app.adminToken)).status).toBe(200);
    await tick();
    expect(await push(s.corpId)).toBe(400);
    const after = await diagnostics(id);
    expect(after.records[0]).toMatchObject({ outcome: 'rejected', detail: 'integration-disabled', cause: WECOM_CAUSES['integration-disabled'] });
    expect(after.summary.lastFailure).toMatchObject({ detail: 'integration-disabled', cause: WECOM_CAUSES['integration-disabled'] });
    expect(after.summary.lastSuccessAt).toBe(textAt);
  });
});
