import { randomBytes } from 'node:crypto';
import { startPlatformSim, type PlatformSim, type WecomApp } from '@imbridge/platform-sim';
import { adviseDiagnostics, CAUSES, causeOf, NEVER_REACHED, SETUP_ORDER, type CallbackDiagnosticsView } from '../src/callbacks/diagnostics-advice';
import type { CallbackRecord } from '../src/callbacks/callback-diagnostics.service';
import { startTestApp, type TestApp } from './test-app';

jest.setTimeout(30_000);

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
      const cause = causeOf({ outcome: 'rejected', detail });
      expect({ detail, en: cause?.en }).toEqual({ detail, en: expect.stringMatching(en) });
      expect(cause?.zh).toMatch(/[\u4e00-\u9fff]/);
    }
    expect(causeOf({ outcome: 'rejected', detail: 'signature-mismatch' })?.en).toMatch(/saved in WeCom before/);
    expect(causeOf({ outcome: 'error', detail: 'storage unavailable' })).toBe(CAUSES['storage unavailable']);
    expect(causeOf({ outcome: 'rejected', detail: 'something new' })?.en).toMatch(/refused/);
    expect(causeOf({ outcome: 'accepted', detail: 'text' })).toBeUndefined();
    // A prefix must end at a word boundary.
    expect(causeOf({ outcome: 'rejected', detail: 'signature-mismatched-thing' })?.en).not.toBe(CAUSES['signature-mismatch']!.en);
  });

  it('summarizes: last received, last success, last failure with its cause; never reached when empty', () => {
    const empty = adviseDiagnostics([]);
    expect(empty).toEqual({
      records: [],
      summary: { lastReceivedAt: null, lastSuccessAt: null, lastFailure: null, neverReached: true, neverReachedCause: NEVER_REACHED },
      setupOrder: SETUP_ORDER,
    });
    const view = adviseDiagnostics([
      rec('rejected', 'signature-mismatch', '2026-01-01T00:00:03.000Z'),
      rec('accepted', 'text', '2026-01-01T00:00:02.000Z'),
      rec('rejected', 'decrypt-failed: DECRYPT', '2026-01-01T00:00:01.000Z'),
      rec('verified', 'url-verification', '2026-01-01T00:00:00.000Z'),
    ]);
    expect(view.summary).toEqual({
      lastReceivedAt: '2026-01-01T00:00:03.000Z',
      lastSuccessAt: '2026-01-01T00:00:02.000Z',
      lastFailure: { at: '2026-01-01T00:00:03.000Z', detail: 'signature-mismatch', cause: CAUSES['signature-mismatch'] },
      neverReached: false,
      neverReachedCause: null,
    });
    expect(view.records.map((r) => r.cause?.en ?? null)).toEqual([CAUSES['signature-mismatch']!.en, null, CAUSES['decrypt-failed']!.en, null]);
    expect(view.records[1]).toEqual(rec('accepted', 'text', '2026-01-01T00:00:02.000Z'));
  });

  it('has a setup order in both languages: save here, paste in WeCom, WeCom verifies, test message', () => {
    expect(SETUP_ORDER.zh).toHaveLength(4);
    expect(SETUP_ORDER.en).toHaveLength(4);
    expect(SETUP_ORDER.en[0]).toMatch(/Save the integration here first/);
    expect(SETUP_ORDER.en[1]).toMatch(/URL, Token and EncodingAESKey/);
    expect(SETUP_ORDER.en[2]).toMatch(/verifies the URL at once/);
    expect(SETUP_ORDER.en[3]).toMatch(/test message/);
    expect(NEVER_REACHED.en).toMatch(/PUBLIC_BASE_URL/);
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
      summary: { lastReceivedAt: null, lastSuccessAt: null, lastFailure: null, neverReached: true, neverReachedCause: NEVER_REACHED },
      setupOrder: SETUP_ORDER,
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
      expect({ kind, outcome: byDetail.get(kind)?.outcome, cause: byDetail.get(kind)?.cause }).toEqual({ kind, outcome: 'rejected', cause: CAUSES[kind] });
    }
    const textAt = byDetail.get('text')!.at;
    expect(view.summary.lastSuccessAt).toBe(textAt);
    expect(view.summary.neverReached).toBe(false);
    expect(view.summary.neverReachedCause).toBeNull();
    expect(view.summary.lastReceivedAt).toBe(view.records[0]!.at);
    expect(view.summary.lastFailure).toEqual({ at: view.records[0]!.at, detail: view.records[0]!.detail, cause: view.records[0]!.cause });
    expect(view.setupOrder).toEqual(SETUP_ORDER);
    // Newest first.
    const ats = view.records.map((r) => r.at);
    expect([...ats].sort().reverse()).toEqual(ats);

    // Disabled integration.
    expect((await app.api('PUT', `/api/integrations/${id}`, { enabled: false }, app.adminToken)).status).toBe(200);
    await tick();
    expect(await push(s.corpId)).toBe(400);
    const after = await diagnostics(id);
    expect(after.records[0]).toMatchObject({ outcome: 'rejected', detail: 'integration-disabled', cause: CAUSES['integration-disabled'] });
    expect(after.summary.lastFailure).toMatchObject({ detail: 'integration-disabled', cause: CAUSES['integration-disabled'] });
    expect(after.summary.lastSuccessAt).toBe(textAt);
  });
});
