import { DataSource } from 'typeorm';
import { decodeEncodingAesKey, wxEncrypt, wxSignature } from '@imbridge/crypto';
import { expectEventually } from '@imbridge/testing';
import { startTestApp, type TestApp, WECOM_DOC_SAMPLE, wecomConfig } from './test-app';

const A1 = {
  msg_signature: '5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3',
  timestamp: '1409659589',
  nonce: '263014780',
  echostrEncoded: 'P9nAzCzyDtyTWESHep1vC5X9xho%2FqYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp%2B4RPcs8TgAE7OaBO%2BFZXvnaqQ%3D%3D',
};

let app: TestApp;
let ds: DataSource;

beforeAll(async () => {
  app = await startTestApp();
  ds = new DataSource({ type: 'postgres', url: app.databaseUrl });
  await ds.initialize();
});
afterAll(async () => {
  await ds.destroy();
  await app.close();
});

async function createIntegration(config: Record<string, unknown>): Promise<{ id: string; callbackUrl: string }> {
  const res = await app.api<{ id: string; callbackUrl: string }>('POST', '/api/integrations', { platform: 'wecom', name: 'test', config }, app.adminToken);
  expect({ status: res.status, body: res.status === 201 ? 'ok' : res.body }).toEqual({ status: 201, body: 'ok' });
  return res.body;
}

function innerTextXml(from: string, content: string, msgId: string, createTime = Math.floor(Date.now() / 1000)): string {
  return `<xml><ToUserName><![CDATA[ww0123456789abcdef]]></ToUserName><FromUserName><![CDATA[${from}]]></FromUserName><CreateTime>${createTime}</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[${content}]]></Content><MsgId>${msgId}</MsgId><AgentID>1000002</AgentID></xml>`;
}

function encryptedPost(cfg: Record<string, unknown>, inner: string, timestamp = String(Math.floor(Date.now() / 1000)), receiveId = String(cfg['corpId'])) {
  const encrypt = wxEncrypt(decodeEncodingAesKey(String(cfg['encodingAesKey'])), inner, receiveId);
  const nonce = '1372623149';
  const sig = wxSignature(String(cfg['token']), timestamp, nonce, encrypt);
  return {
    query: `msg_signature=${sig}&timestamp=${timestamp}&nonce=${nonce}`,
    body: `<xml><ToUserName><![CDATA[${cfg['corpId']}]]></ToUserName><Encrypt><![CDATA[${encrypt}]]></Encrypt><AgentID><![CDATA[1000002]]></AgentID></xml>`,
  };
}

describe('WeCom callback URL verification', () => {
  it('answers the official vector A1 with exactly the decrypted echostr', async () => {
    const { callbackUrl } = await createIntegration(wecomConfig({ ...WECOM_DOC_SAMPLE, replayToleranceSeconds: 0 }));
    const res = await fetch(`${callbackUrl}?msg_signature=${A1.msg_signature}&timestamp=${A1.timestamp}&nonce=${A1.nonce}&echostr=${A1.echostrEncoded}`);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('1616140317555161061');
  });

  it('refuses the same vector when the 2014 timestamp is outside the default tolerance', async () => {
    const { callbackUrl } = await createIntegration(wecomConfig({ ...WECOM_DOC_SAMPLE }));
    const res = await fetch(`${callbackUrl}?msg_signature=${A1.msg_signature}&timestamp=${A1.timestamp}&nonce=${A1.nonce}&echostr=${A1.echostrEncoded}`);
    expect(res.status).toBe(400);
    expect(await res.text()).toBe('invalid request');
  });
});

describe('WeCom message callbacks', () => {
  const cfg = wecomConfig();
  let integration: { id: string; callbackUrl: string };
  beforeAll(async () => {
    integration = await createIntegration(cfg);
  });

  async function post(p: { query: string; body: string }, url = integration.callbackUrl) {
    const res = await fetch(`${url}?${p.query}`, { method: 'POST', headers: { 'content-type': 'text/xml' }, body: p.body });
    return { status: res.status, text: await res.text() };
  }

  async function inboxCount(): Promise<number> {
    const [r] = await ds.query('SELECT count(*)::int AS n FROM inbox_events WHERE integration_id = $1', [integration.id]);
    return r.n;
  }

  it('stores a message once however often it is retried, with its text byte-for-byte', async () => {
    const text = '00123 1e5 <!DOCTYPE html> 价格？😀 ]]> tail  ';
    const inner = innerTextXml('zhangsan', text.replace(']]>', ']]]]><![CDATA[>'), '7000000000000000001');
    const p = encryptedPost(cfg, inner);
    const answers = await Promise.all([post(p), post(p), post(p)]);
    for (const a of answers) expect(a).toEqual({ status: 200, text: '' });
    expect(await post(p)).toEqual({ status: 200, text: '' });

    const rows = await ds.query(`SELECT dedupe_key, payload FROM inbox_events WHERE integration_id = $1 AND dedupe_key = 'msg:7000000000000000001'`, [integration.id]);
    expect(rows).toHaveLength(1);
    const conv = await expectEventually(async () => {
      const r = await app.api<{ id: string; contact: { externalId: string } }[]>('GET', `/api/conversations?integrationId=${integration.id}`, undefined, app.adminToken);
      expect(r.body).toHaveLength(1);
      return r.body[0]!;
    });
    expect(conv.contact.externalId).toBe('zhangsan');
    const msgs = await expectEventually(async () => {
      const r = await app.api<{ text: string; direction: string; type: string; status: string }[]>('GET', `/api/conversations/${conv.id}/messages`, undefined, app.adminToken);
      // Only the inbound message counts here (the bot's fallback answer may follow it).
      const inbound = r.body.filter((m) => m.direction === 'in');
      expect(inbound).toHaveLength(1);
      return inbound;
    });
    expect(msgs[0]).toMatchObject({ direction: 'in', type: 'text', status: 'received' });
    expect(msgs[0]!.text).toBe(text);
  });

  it('refuses hostile input with the uniform answer and stores nothing', async () => {
    const before = await inboxCount();
    const good = encryptedPost(cfg, innerTextXml('lisi', 'hi', '7000000000000000002'));
    const uniform = { status: 400, text: 'invalid request' };
    // bad signature
    expect(await post({ ...good, query: good.query.replace(/msg_signature=[0-9a-f]{4}/, 'msg_signature=0000') })).toEqual(uniform);
    // wrong token (valid shape), wrong key, wrong receiveid
    expect(await post(encryptedPost({ ...cfg, token: 'otherToken' }, innerTextXml('lisi', 'hi', '7000000000000000003')))).toEqual(uniform);
    expect(await post(encryptedPost({ ...cfg, encodingAesKey: 'B'.repeat(43) }, innerTextXml('lisi', 'hi', '7000000000000000004')))).toEqual(uniform);
    expect(await post(encryptedPost(cfg, innerTextXml('lisi', 'hi', '7000000000000000005'), undefined, 'wx0000000000000000'))).toEqual(uniform);
    // replay: valid signature, timestamp an hour old
    expect(await post(encryptedPost(cfg, innerTextXml('lisi', 'hi', '7000000000000000006'), String(Math.floor(Date.now() / 1000) - 3600)))).toEqual(uniform);
    // malformed XML, DOCTYPE/entity bomb, two Encrypt elements, deep nesting, oversized
    expect(await post({ query: good.query, body: '<xml><Encrypt>' })).toEqual(uniform);
    const bomb = `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]><xml><Encrypt>&lol2;</Encrypt></xml>`;
    expect(await post({ query: good.query, body: bomb })).toEqual(uniform);
    const encrypt = /<Encrypt><!\[CDATA\[(.*?)\]\]>/.exec(good.body)![1];
    expect(await post({ query: good.query, body: `<xml><Encrypt><![CDATA[${encrypt}]]></Encrypt><Encrypt><![CDATA[${encrypt}]]></Encrypt></xml>` })).toEqual(uniform);
    expect(await post({ query: good.query, body: '<xml>' + '<a>'.repeat(5000) + '</a>'.repeat(5000) + '</xml>' })).toEqual(uniform);
    expect(await post({ query: good.query, body: '<xml><Encrypt>' + 'A'.repeat(70 * 1024) + '</Encrypt></xml>' })).toEqual(uniform);
    // unknown integration, wrong platform, repeated query parameter
    expect(await post(good, integration.callbackUrl.replace(/[0-9a-f]{12}$/, '000000000000'))).toEqual(uniform);
    expect(await post(good, integration.callbackUrl.replace('/wecom/', '/feishu/'))).toEqual(uniform);
    expect(await post({ ...good, query: `${good.query}&nonce=1` })).toEqual(uniform);
    expect(await inboxCount()).toBe(before);
  });

  it('shows the reasons of refused callbacks in the diagnostics', async () => {
    const r = await app.api<{ records: { outcome: string; detail: string }[] }>('GET', `/api/integrations/${integration.id}/callbacks`, undefined, app.adminToken);
    expect(r.status).toBe(200);
    const details = r.body.records.map((x) => x.detail).join('\n');
    expect(details).toContain('signature-mismatch');
    expect(details).toContain('timestamp-out-of-tolerance');
    expect(details).toContain('receive-id-mismatch');
    expect(r.body.records.some((x) => x.outcome === 'accepted')).toBe(true);
  });
});
