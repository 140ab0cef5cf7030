import { wxPlainSignature } from '@imbridge/crypto';
import { MP_SAMPLE_KEY, MP_VECTOR_C, MP_VECTOR_COMPAT, MP_VECTOR_E, MP_VECTOR_SAFE } from '@imbridge/platform-mp/testing';
import { startPlatformSim, type PlatformSim } from '@imbridge/platform-sim';
import { expectEventually } from '@imbridge/testing';
import { DataSource } from 'typeorm';
import type { CallbackDiagnosticsView } from '../src/callbacks/diagnostics-advice';
import { createMpIntegration, mpAccount, type MpAccountSpec, type MpIntegration } from './mp-test-kit';
import { startTestApp, type TestApp } from './test-app';

/**
 * The official 公众号 sample vectors (WXBizMsgCrypt downloads: the MP Python Sample.py = compatible
 * mode, the C++ Sample.cpp = safe mode, the Java test's C2, the Open Platform example E; the same
 * strings as libs/platforms/mp/src/mp.vectors.spec.ts, wecom-mp.md §1) POSTed to the running gateway's
 * callback endpoint, plus server verification in all three modes, plain mode, and the rejections.
 * The vectors' timestamps are from 2014/2024: the integrations turn the replay check off
 * (replayToleranceSeconds 0).
 */
jest.setTimeout(60_000);

/** Compatible mode: the official MP Python Sample.py. */
const COMPAT = { ...MP_VECTOR_COMPAT, fromUser: 'oyORnuP8q7ou2gfYjqLzSIWZf0rs', msgId: '6054768590064713728' };
/** Safe mode: the official MP C++ Sample.cpp. */
const SAFE = { ...MP_VECTOR_SAFE, fromUser: 'oyORnuP8q7ou2gfYjqLzSIWZf0rs', msgId: '6057404712141979648' };
/** C2: Java WXBizMsgCryptTest.testAesEncrypt2 (a video XML), signature derived in the notes. */
const C2 = {
  appId: MP_VECTOR_C.appId,
  token: MP_VECTOR_C.token,
  timestamp: MP_VECTOR_C.timestamp,
  nonce: MP_VECTOR_C.nonce,
  encrypt: MP_VECTOR_C.c2.encrypt,
  msgSignature: MP_VECTOR_C.c2.signature,
  fromUser: 'gh_7f083739789a',
};
/** E: the Open Platform 消息推送 example (key of 43 × 'A'), with its full official query. */
const E = MP_VECTOR_E;

const envelope = (encrypt: string, toUser = 'gh_10f6c3c3ac5a'): string => `<xml><ToUserName><![CDATA[${toUser}]]></ToUserName><Encrypt><![CDATA[${encrypt}]]></Encrypt></xml>`;

let sim: PlatformSim;
let app: TestApp;
let ds: DataSource;

beforeAll(async () => {
  sim = await startPlatformSim();
  app = await startTestApp();
  ds = new DataSource({ type: 'postgres', url: app.databaseUrl });
  await ds.initialize();
});
afterAll(async () => {
  await ds?.destroy();
  await app?.close();
  await sim?.close();
});

/** A service account (acknowledged with `success` at once) with the vector's credentials; replay check off. */
function vectorIntegration(v: { appId: string; token: string; key?: string }, mode: MpAccountSpec['encryptionMode'], name: string): Promise<MpIntegration> {
  const account = mpAccount({ appId: v.appId, token: v.token, encodingAesKey: v.key ?? MP_SAMPLE_KEY, encryptionMode: mode, accountType: 'service', verified: true });
  // apiBaseUrl: the simulator, so a media download of a vector's message never leaves the machine.
  return createMpIntegration(app, sim, account, { replayToleranceSeconds: 0 }, name);
}

/** The callback path on the running gateway, with a query. */
function urlOf(integration: MpIntegration, query: Record<string, string>): string {
  const url = new URL(integration.callbackUrl);
  expect(url.pathname).toBe(`/callbacks/mp/${integration.id}`);
  for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
  return url.toString();
}

async function post(integration: MpIntegration, query: Record<string, string>, body: string): Promise<{ status: number; text: string; contentType: string | null }> {
  const res = await fetch(urlOf(integration, query), { method: 'POST', headers: { 'content-type': 'text/xml' }, body });
  return { status: res.status, text: await res.text(), contentType: res.headers.get('content-type') };
}

/** The official query of an encrypted callback: msg_signature over the body, `signature` over token/timestamp/nonce. */
function aesQuery(v: { token: string; timestamp: string; nonce: string; msgSignature: string }, openid: string): Record<string, string> {
  return { signature: wxPlainSignature(v.token, v.timestamp, v.nonce), timestamp: v.timestamp, nonce: v.nonce, openid, encrypt_type: 'aes', msg_signature: v.msgSignature };
}

interface StoredRow {
  dedupe_key: string;
  external_id: string;
  type: string;
  text: string | null;
  platform_message_id: string | null;
  content: Record<string, unknown> | null;
}

/** The inbox events of an integration with their stored messages (once the inbox processed them). */
async function stored(integration: MpIntegration, count: number): Promise<StoredRow[]> {
  return expectEventually(async () => {
    const rows = await ds.query<StoredRow[]>(
      `SELECT e.dedupe_key, ct.external_id, m.type, m.text, m.platform_message_id, m.content
         FROM inbox_events e JOIN messages m ON m.inbox_event_id = e.id JOIN contacts ct ON ct.id = (SELECT contact_id FROM conversations WHERE id = m.conversation_id)
        WHERE e.integration_id = $1 ORDER BY e.id`,
      [integration.id],
    );
    expect(rows).toHaveLength(count);
    return rows;
  });
}

async function diagnostics(integration: MpIntegration): Promise<CallbackDiagnosticsView> {
  const r = await app.api<CallbackDiagnosticsView>('GET', `/api/integrations/${integration.id}/callbacks`, undefined, app.adminToken);
  expect(r.status).toBe(200);
  return r.body;
}

/** Waits until the diagnostics show a record whose detail starts with `reason` and the given outcome. */
async function expectRecorded(integration: MpIntegration, reason: string, outcome: string): Promise<void> {
  await expectEventually(async () => {
    const view = await diagnostics(integration);
    expect(view.records.map((r) => ({ reason: r.detail.split(':')[0], outcome: r.outcome }))).toContainEqual({ reason, outcome });
  });
}

describe('official vectors through POST /callbacks/mp/:id', () => {
  it('safe mode: the C++ Sample.cpp body is acknowledged with success and its text message stored', async () => {
    const safe = await vectorIntegration(SAFE, 'safe', 'mp vector safe');
    const res = await post(safe, aesQuery(SAFE, SAFE.fromUser), envelope(SAFE.encrypt));
    expect(res).toMatchObject({ status: 200, text: 'success' });
    const [row] = await stored(safe, 1);
    expect(row).toMatchObject({ dedupe_key: `msg:${SAFE.msgId}`, external_id: SAFE.fromUser, type: 'text', text: 'abcdteT', platform_message_id: SAFE.msgId });
    await expectRecorded(safe, 'safe', 'accepted');
    // WeChat's re-delivery of the same body: acknowledged again, stored once.
    expect(await post(safe, aesQuery(SAFE, SAFE.fromUser), envelope(SAFE.encrypt))).toMatchObject({ status: 200, text: 'success' });
    await expectRecorded(safe, 'safe', 'duplicate');
    expect(await stored(safe, 1)).toHaveLength(1);
  });

  it('compatible mode: the Python Sample.py body (plain fields + Encrypt) is acknowledged and stored from the encrypted part', async () => {
    const compat = await vectorIntegration(COMPAT, 'compatible', 'mp vector compatible');
    const res = await post(compat, aesQuery(COMPAT, COMPAT.fromUser), COMPAT.body);
    expect(res).toMatchObject({ status: 200, text: 'success' });
    const [row] = await stored(compat, 1);
    expect(row).toMatchObject({ dedupe_key: `msg:${COMPAT.msgId}`, external_id: COMPAT.fromUser, type: 'text', text: 'abcdteT', platform_message_id: COMPAT.msgId });
    await expectRecorded(compat, 'compatible', 'accepted');
  });

  it('compatible mode: plain fields that differ from the encrypted ones never win', async () => {
    const compat = await vectorIntegration(COMPAT, 'compatible', 'mp vector compatible forged');
    const forged = COMPAT.body
      .replace('<Content><![CDATA[abcdteT]]></Content>', '<Content><![CDATA[transfer all money]]></Content>')
      .replace(`${COMPAT.fromUser}]]></FromUserName>`, 'attacker]]></FromUserName>')
      .replace(`<MsgId>${COMPAT.msgId}</MsgId>`, '<MsgId>1</MsgId>');
    expect(await post(compat, aesQuery(COMPAT, 'attacker'), forged)).toMatchObject({ status: 200, text: 'success' });
    const [row] = await stored(compat, 1);
    expect(row).toMatchObject({ external_id: COMPAT.fromUser, text: 'abcdteT', platform_message_id: COMPAT.msgId });
    const [{ n }] = await ds.query<{ n: number }[]>(`SELECT count(*)::int AS n FROM contacts WHERE integration_id = $1 AND external_id = 'attacker'`, [compat.id]);
    expect(n).toBe(0);
  });

  it('safe mode: the Java test vector C2 (a video XML) is stored as a video', async () => {
    const c2 = await vectorIntegration(C2, 'safe', 'mp vector c2');
    const res = await post(c2, aesQuery(C2, C2.fromUser), envelope(C2.encrypt, 'oia2Tj我是中文jewbmiOUlr6X-1crbLOvLw'));
    expect(res).toMatchObject({ status: 200, text: 'success' });
    const [row] = await stored(c2, 1);
    // C2 is shaped as a reply (MediaId inside <Video>), so the stored video has no top-level MediaId to download.
    expect(row).toMatchObject({ dedupe_key: `msg:${C2.fromUser}:1407743423:video`, external_id: C2.fromUser, type: 'video', content: { extra: { ToUserName: 'oia2Tj我是中文jewbmiOUlr6X-1crbLOvLw' } } });
    expect(row!.content?.['media']).toBeUndefined();
  });

  it('vector E (Open Platform example, key of 43 A): the official query and body pass; the debug_demo event is stored', async () => {
    const e = await vectorIntegration({ appId: E.appId, token: E.token, key: E.key }, 'safe', 'mp vector e');
    const query = { signature: E.signature, timestamp: E.timestamp, nonce: E.nonce, openid: E.openid, encrypt_type: 'aes', msg_signature: E.msgSignature };
    expect(await post(e, query, E.body)).toMatchObject({ status: 200, text: 'success' });
    const [row] = await stored(e, 1);
    expect(row).toMatchObject({ dedupe_key: `event:${E.openid}:1715943329:debug_demo:`, external_id: E.openid, type: 'event', content: expect.objectContaining({ event: { name: 'debug_demo' } }) });
    // Its `signature` also verifies the server-config GET: echostr comes back as is.
    const echostr = '7162436217762917282';
    const get = await fetch(urlOf(e, { signature: E.signature, timestamp: E.timestamp, nonce: E.nonce, echostr }));
    expect(get.status).toBe(200);
    expect(get.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await get.text()).toBe(echostr);
  });
});

describe('server verification, plain mode and rejections', () => {
  const now = (): string => String(Math.floor(Date.now() / 1000));

  it('GET verification echoes echostr unchanged (text/plain) in plain, compatible and safe mode; a bad signature is refused', async () => {
    for (const mode of ['plain', 'compatible', 'safe'] as const) {
      const integration = await createMpIntegration(app, sim, mpAccount({ encryptionMode: mode }), {}, `mp verify ${mode}`);
      const timestamp = now();
      const echostr = `${Date.now()}${mode.length}123456`;
      const signature = wxPlainSignature(integration.account.token, timestamp, 'n0nce');
      const res = await fetch(urlOf(integration, { signature, timestamp, nonce: 'n0nce', echostr }));
      expect({ mode, status: res.status, type: res.headers.get('content-type')?.split(';')[0], body: await res.text() }).toEqual({ mode, status: 200, type: 'text/plain', body: echostr });
      const bad = await fetch(urlOf(integration, { signature: '0'.repeat(40), timestamp, nonce: 'n0nce', echostr }));
      expect(bad.status).toBe(400);
      expect(await bad.text()).not.toContain(echostr);
      await expectRecorded(integration, 'signature-mismatch', 'rejected');
    }
  });

  it('plain mode: a POST with a valid signature is stored, a wrong one refused', async () => {
    const plain = await createMpIntegration(app, sim, mpAccount({ encryptionMode: 'plain' }), {}, 'mp plain');
    const timestamp = now();
    const body = `<xml><ToUserName><![CDATA[gh_0123456789ab]]></ToUserName><FromUserName><![CDATA[o_plain_user]]></FromUserName><CreateTime>${timestamp}</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[明文消息]]></Content><MsgId>7000000000000000001</MsgId></xml>`;
    const query = { signature: wxPlainSignature(plain.account.token, timestamp, '42'), timestamp, nonce: '42', openid: 'o_plain_user' };
    expect(await post(plain, query, body)).toMatchObject({ status: 200, text: 'success' });
    const [row] = await stored(plain, 1);
    expect(row).toMatchObject({ external_id: 'o_plain_user', type: 'text', text: '明文消息', platform_message_id: '7000000000000000001' });
    // A wrong signature on the same body: refused, nothing stored.
    expect((await post(plain, { ...query, signature: wxPlainSignature('wrongtoken', timestamp, '42') }, body.replace('7000000000000000001', '7000000000000000002'))).status).toBe(400);
    await expectRecorded(plain, 'signature-mismatch', 'rejected');
    expect(await stored(plain, 1)).toHaveLength(1);
  });

  it('refuses a tampered body, a wrong msg_signature and a plain body on a safe-mode account with one uniform 400; diagnostics say why', async () => {
    const safe = await vectorIntegration(SAFE, 'safe', 'mp rejections');
    const query = aesQuery(SAFE, SAFE.fromUser);
    // One base64 character of the ciphertext changed: the signature no longer matches.
    const tampered = envelope(SAFE.encrypt.slice(0, 40) + (SAFE.encrypt[40] === 'A' ? 'B' : 'A') + SAFE.encrypt.slice(41));
    const a = await post(safe, query, tampered);
    const b = await post(safe, { ...query, msg_signature: '0'.repeat(40) }, envelope(SAFE.encrypt));
    const plainBody = `<xml><ToUserName><![CDATA[gh_10f6c3c3ac5a]]></ToUserName><FromUserName><![CDATA[${SAFE.fromUser}]]></FromUserName><CreateTime>1410349438</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[forged]]></Content><MsgId>1</MsgId></xml>`;
    const { msg_signature: _m, encrypt_type: _e, ...plainQuery } = query;
    void _m;
    void _e;
    const c = await post(safe, plainQuery, plainBody);
    // The same plain body with an (irrelevant) msg_signature in the query: still no <Encrypt> to verify.
    const d = await post(safe, query, plainBody);
    for (const r of [a, b, c, d]) expect(r.status).toBe(400);
    // Uniform: the caller learns nothing about which check failed.
    expect(new Set([a.text, b.text, c.text, d.text]).size).toBe(1);
    expect(a.text).not.toMatch(/signature|decrypt|plain|encrypt/i);
    await expectRecorded(safe, 'signature-mismatch', 'rejected');
    await expectRecorded(safe, 'missing-parameters', 'rejected');
    await expectRecorded(safe, 'malformed-body', 'rejected');
    const records = (await diagnostics(safe)).records.filter((r) => r.outcome === 'rejected');
    const byReason = new Map(records.map((r) => [r.detail.split(':')[0], r]));
    expect(byReason.get('signature-mismatch')?.count).toBe(2); // the tampered body and the wrong msg_signature
    // Without msg_signature: missing parameters; with it but a plain body: no <Encrypt> to verify.
    expect(byReason.get('missing-parameters')?.count).toBe(1);
    expect(byReason.get('malformed-body')).toMatchObject({ detail: 'malformed-body: <Encrypt> missing', count: 1 });
    for (const r of records) expect(r.cause).toEqual({ zh: expect.any(String), en: expect.any(String) });
    // The advice points at the MP console, not at WeCom.
    expect(byReason.get('signature-mismatch')?.cause?.zh).toContain('服务器配置');
    expect(byReason.get('malformed-body')?.cause?.en).toMatch(/encryption mode/);
    const view = await diagnostics(safe);
    expect(view.setupOrder.zh.join('')).toContain('IP白名单');
    expect(JSON.stringify(view)).not.toContain('WeCom');
    const [{ n }] = await ds.query<{ n: number }[]>(`SELECT count(*)::int AS n FROM inbox_events WHERE integration_id = $1`, [safe.id]);
    expect(n).toBe(0);
  });
});
