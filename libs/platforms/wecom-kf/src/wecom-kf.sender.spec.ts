import { PlatformError, type SendContext } from '@imbridge/platform-core';
import { KF_CONFIG, MemoryTokens, ScriptedHttp } from './kf-test-fakes';
import {
  addContactWay,
  buildSyncMsgBody,
  getServiceState,
  listKfAccounts,
  listKfServicers,
  syncMsg,
  transServiceState,
  wecomKfTokenKey,
} from './wecom-kf.api';
import { readWecomKfConfig } from './wecom-kf.descriptor';
import { buildKfMenu, kfMsgId, kfRecipient, KF_MSGID_PATTERN, KF_TEXT_MAX_BYTES, sendKfMenu, sendKfMsgOnEvent, WecomKfSender } from './wecom-kf.sender';
import { splitKfText } from './wecom-kf-text';

const KF = 'wkAJ2GCAAASSm4_FhToWMFea0xAFfd3Q';
const USER = 'wmAJ2GCAAAme1XQRC-NI-q0_ZM9ukoAw';
const cfg = readWecomKfConfig(KF_CONFIG);
const OK_TOKEN = { errcode: 0, errmsg: 'ok', access_token: 'accesstoken000001', expires_in: 7200 };

function setup(idempotencyKey = 'out_123'): { http: ScriptedHttp; tokens: MemoryTokens; ctx: SendContext } {
  const http = new ScriptedHttp();
  const tokens = new MemoryTokens();
  return { http, tokens, ctx: { integrationId: 'i1', config: KF_CONFIG, http, tokens, idempotencyKey } };
}

const error = async (p: Promise<unknown>): Promise<PlatformError> => {
  try {
    await p;
  } catch (err) {
    if (err instanceof PlatformError) return err;
    throw err;
  }
  throw new Error('did not fail');
};

describe('kfMsgId', () => {
  it('uses a fitting idempotency key as is and hashes anything else deterministically into ≤ 32 [0-9a-zA-Z_-]', () => {
    expect(kfMsgId('out_123')).toBe('out_123');
    const long = 'outbound:0b5f9d8e-6c1a-4c1e-9f55-000000000001';
    const id = kfMsgId(long);
    expect(id).toMatch(KF_MSGID_PATTERN);
    expect(kfMsgId(long)).toBe(id);
    expect(kfMsgId('out_123', 1)).toMatch(KF_MSGID_PATTERN);
    expect(kfMsgId('out_123', 1)).not.toBe(kfMsgId('out_123', 2));
  });
});

describe('WecomKfSender.send (kf/send_msg, doc 94677)', () => {
  it('sends text with our msgid, fetching the token once (request body as in the doc example)', async () => {
    const { http, ctx } = setup();
    http.script('/cgi-bin/gettoken', { body: OK_TOKEN }).script('/cgi-bin/kf/send_msg', { body: { errcode: 0, errmsg: 'ok', msgid: 'out_123' } });
    const res = await new WecomKfSender().send(ctx, kfRecipient(KF, USER), { type: 'text', text: '你购买的物品已发货，可点击链接查看物流状态' });
    expect(res).toEqual({ platformMessageIds: ['out_123'], parts: 1 });
    expect(http.jsonBodies('/cgi-bin/kf/send_msg')).toEqual([{ touser: USER, open_kfid: KF, msgid: 'out_123', msgtype: 'text', text: { content: '你购买的物品已发货，可点击链接查看物流状态' } }]);
    expect(http.calls('/cgi-bin/kf/send_msg')[0]?.url).toBe('https://kf.test/cgi-bin/kf/send_msg?access_token=accesstoken000001');
  });

  it('splits a long text at 2048 UTF-8 bytes, one distinct msgid per part', async () => {
    const { http, ctx } = setup();
    const text = '中'.repeat(1000); // 3000 bytes
    http.script('/cgi-bin/gettoken', { body: OK_TOKEN }).script('/cgi-bin/kf/send_msg', { body: { errcode: 0, msgid: 'a' } }, { body: { errcode: 0, msgid: 'b' } });
    const res = await new WecomKfSender().send(ctx, kfRecipient(KF, USER), { type: 'text', text });
    expect(res.parts).toBe(2);
    const bodies = http.jsonBodies('/cgi-bin/kf/send_msg');
    const contents = bodies.map((b) => (b['text'] as { content: string }).content);
    expect(contents.join('')).toBe(text);
    for (const c of contents) expect(Buffer.byteLength(c)).toBeLessThanOrEqual(KF_TEXT_MAX_BYTES);
    expect(bodies.map((b) => b['msgid'])).toEqual([kfMsgId('out_123', 0), kfMsgId('out_123', 1)]);
  });

  it('sends image and file by media id, and refuses one without', async () => {
    const { http, ctx } = setup();
    http.script('/cgi-bin/gettoken', { body: OK_TOKEN }).script('/cgi-bin/kf/send_msg', { body: { errcode: 0, msgid: 'x' } }, { body: { errcode: 0, msgid: 'y' } });
    const sender = new WecomKfSender();
    await sender.send(ctx, kfRecipient(KF, USER), { type: 'image', mediaId: 'MEDIA_ID' });
    await sender.send(ctx, kfRecipient(KF, USER), { type: 'file', mediaId: 'FILE_ID', fileName: 'a.pdf' });
    expect(http.jsonBodies('/cgi-bin/kf/send_msg').map((b) => [b['msgtype'], b['image'] ?? b['file']])).toEqual([
      ['image', { media_id: 'MEDIA_ID' }],
      ['file', { media_id: 'FILE_ID' }],
    ]);
    expect((await error(sender.send(ctx, kfRecipient(KF, USER), { type: 'image', url: 'https://x/y.png' }))).code).toBe('INVALID');
  });

  it('refreshes the token once on 42001 and retries once; a second token error is final', async () => {
    const { http, tokens, ctx } = setup();
    http
      .script('/cgi-bin/gettoken', { body: OK_TOKEN }, { body: { ...OK_TOKEN, access_token: 'accesstoken000002' } })
      .script('/cgi-bin/kf/send_msg', { body: { errcode: 42001, errmsg: 'access_token expired' } }, { body: { errcode: 0, msgid: 'out_123' } });
    await new WecomKfSender().send(ctx, kfRecipient(KF, USER), { type: 'text', text: 'hi' });
    expect(tokens.invalidated).toEqual(['accesstoken000001']);
    expect(http.calls('/cgi-bin/kf/send_msg')[1]?.url).toContain('access_token=accesstoken000002');
    expect(tokens.store.get(wecomKfTokenKey(cfg))).toBe('accesstoken000002');

    http.script('/cgi-bin/gettoken', { body: { ...OK_TOKEN, access_token: 'accesstoken000003' } }).script('/cgi-bin/kf/send_msg', { body: { errcode: 40014, errmsg: 'invalid access_token' } }, { body: { errcode: 40014, errmsg: 'invalid access_token' } });
    const err = await error(new WecomKfSender().send(ctx, kfRecipient(KF, USER), { type: 'text', text: 'hi' }));
    expect(err.code).toBe('AUTH_EXPIRED');
    expect(http.calls('/cgi-bin/gettoken')).toHaveLength(3);
  });

  it('95018 (session state) and 95001 (quota) are WINDOW_CLOSED and not retried', async () => {
    const { http, ctx } = setup();
    http.script('/cgi-bin/gettoken', { body: OK_TOKEN }).script('/cgi-bin/kf/send_msg', { body: { errcode: 95018, errmsg: 'send msg session status invalid' } }, { body: { errcode: 95001, errmsg: 'limit' } });
    const a = await error(new WecomKfSender().send(ctx, kfRecipient(KF, USER), { type: 'text', text: 'hi' }));
    const b = await error(new WecomKfSender().send(ctx, kfRecipient(KF, USER), { type: 'text', text: 'hi' }));
    expect([a.code, a.retryable, a.platformCode, b.code, b.retryable]).toEqual(['WINDOW_CLOSED', false, '95018', 'WINDOW_CLOSED', false]);
    expect(http.calls('/cgi-bin/kf/send_msg')).toHaveLength(2);
  });

  it('rejects a recipient that is not "<open_kfid>:<external_userid>"', async () => {
    const { ctx } = setup();
    expect((await error(new WecomKfSender().send(ctx, { kind: 'user', externalId: USER }, { type: 'text', text: 'x' }))).platformCode).toBe('RECIPIENT');
  });

  it('render previews the split parts', () => {
    const parts = new WecomKfSender().render({ type: 'text', text: 'a'.repeat(3000) });
    expect(parts.map((p) => p.bytes)).toEqual([2048, 952]);
  });
});

describe('msgmenu and send_msg_on_event (doc 94677, 95122)', () => {
  const menu = { headContent: '您对本次服务是否满意呢?', items: [{ type: 'click' as const, id: '101', content: '满意' }, { type: 'view' as const, url: 'https://work.weixin.qq.com', content: '查看' }], tailContent: '欢迎再次光临' };

  it('builds the doc msgmenu shape and sends it', async () => {
    expect(buildKfMenu(menu)).toEqual({
      head_content: '您对本次服务是否满意呢?',
      list: [
        { type: 'click', click: { id: '101', content: '满意' } },
        { type: 'view', view: { url: 'https://work.weixin.qq.com', content: '查看' } },
      ],
      tail_content: '欢迎再次光临',
    });
    const { http, ctx } = setup();
    http.script('/cgi-bin/gettoken', { body: OK_TOKEN }).script('/cgi-bin/kf/send_msg', { body: { errcode: 0, msgid: 'out_123' } });
    await sendKfMenu(ctx, kfRecipient(KF, USER), menu);
    expect(http.jsonBodies('/cgi-bin/kf/send_msg')[0]).toMatchObject({ msgtype: 'msgmenu', msgid: 'out_123', msgmenu: { tail_content: '欢迎再次光临' } });
  });

  it('sends the welcome text with the welcome_code (doc 95122 request)', async () => {
    const { http, ctx } = setup();
    http.script('/cgi-bin/gettoken', { body: OK_TOKEN }).script('/cgi-bin/kf/send_msg_on_event', { body: { errcode: 0, errmsg: 'ok', msgid: 'MSG_ID' } });
    expect(await sendKfMsgOnEvent(ctx, cfg, { code: 'CODE', msgid: 'welcome_1', content: { type: 'text', text: '欢迎咨询' } })).toBe('MSG_ID');
    expect(http.jsonBodies('/cgi-bin/kf/send_msg_on_event')).toEqual([{ code: 'CODE', msgid: 'welcome_1', msgtype: 'text', text: { content: '欢迎咨询' } }]);
    await expect(sendKfMsgOnEvent(ctx, cfg, { code: 'CODE', msgid: 'bad id!', content: { type: 'text', text: 'x' } })).rejects.toThrow(PlatformError);
  });

  it('the sender answers a text or menu carrying eventCode with send_msg_on_event (one message, our msgid), not send_msg', async () => {
    const { http, ctx } = setup('welcome_1');
    http
      .script('/cgi-bin/gettoken', { body: OK_TOKEN })
      .script('/cgi-bin/kf/send_msg_on_event', { body: { errcode: 0, msgid: 'welcome_1' } }, { body: { errcode: 0, msgid: 'welcome_1' } });
    const sender = new WecomKfSender();
    const long = `${'欢'.repeat(700)}迎`; // 2103 bytes: cut, not split, for the one event message
    expect(await sender.send(ctx, kfRecipient(KF, USER), { type: 'text', text: long, eventCode: 'CODE1' })).toEqual({ platformMessageIds: ['welcome_1'], parts: 1 });
    expect(sender.render({ type: 'text', text: long, eventCode: 'CODE1' })).toHaveLength(1);
    const menuMsg = { type: 'menu' as const, head: '请选择', items: [{ id: 'a', content: '价格' }], tail: '谢谢', eventCode: 'CODE2' };
    await sender.send(ctx, kfRecipient(KF, USER), menuMsg);
    const bodies = http.jsonBodies('/cgi-bin/kf/send_msg_on_event');
    expect(bodies[0]).toMatchObject({ code: 'CODE1', msgid: 'welcome_1', msgtype: 'text' });
    expect(Buffer.byteLength((bodies[0] as { text: { content: string } }).text.content, 'utf8')).toBeLessThanOrEqual(KF_TEXT_MAX_BYTES);
    expect(bodies[1]).toEqual({
      code: 'CODE2',
      msgid: 'welcome_1',
      msgtype: 'msgmenu',
      msgmenu: { head_content: '请选择', list: [{ type: 'click', click: { id: 'a', content: '价格' } }], tail_content: '谢谢' },
    });
    expect(http.calls('/cgi-bin/kf/send_msg')).toHaveLength(0);
  });

  it('the sender sends a menu without eventCode as a msgmenu with send_msg, and renders it as text', async () => {
    const { http, ctx } = setup();
    http.script('/cgi-bin/gettoken', { body: OK_TOKEN }).script('/cgi-bin/kf/send_msg', { body: { errcode: 0, msgid: 'out_123' } });
    const sender = new WecomKfSender();
    const msg = { type: 'menu' as const, items: [{ id: 'a', content: '价格' }, { id: 'b', content: '人工' }] };
    expect(await sender.send(ctx, kfRecipient(KF, USER), msg)).toEqual({ platformMessageIds: ['out_123'], parts: 1 });
    expect(http.jsonBodies('/cgi-bin/kf/send_msg')[0]).toMatchObject({ msgtype: 'msgmenu', msgmenu: { list: [{ type: 'click' }, { type: 'click' }] } });
    expect(sender.render(msg)).toEqual([{ type: 'text', preview: '价格\n人工', bytes: 13 }]);
  });
});

describe('sync_msg, accounts, links, servicers, session state', () => {
  it('sync_msg: request body (doc 94670 example) and a has_more page with an empty list', async () => {
    expect(buildSyncMsgBody({ cursor: '4gw7MepFLfgF2VC5npN', token: 'ENCApHxnGDNAVNY4AaSJKj4Tb5mwsEMzxhFmHVGcra996NR', limit: 5000, openKfId: 'wkxxxxxx' })).toEqual({
      cursor: '4gw7MepFLfgF2VC5npN',
      token: 'ENCApHxnGDNAVNY4AaSJKj4Tb5mwsEMzxhFmHVGcra996NR',
      limit: 1000,
      voice_format: 0,
      open_kfid: 'wkxxxxxx',
    });
    const { http, ctx } = setup();
    http
      .script('/cgi-bin/gettoken', { body: OK_TOKEN })
      .script('/cgi-bin/kf/sync_msg', { body: { errcode: 0, next_cursor: 'c2', has_more: 1, msg_list: [] } }, { body: { errcode: 0, next_cursor: 'c3', has_more: 0, msg_list: [{ msgid: 'm1', msgtype: 'text' }, 'junk'] } });
    expect(await syncMsg(ctx, cfg, { cursor: 'c1', token: 'T', openKfId: KF })).toEqual({ nextCursor: 'c2', hasMore: true, messages: [] });
    expect(await syncMsg(ctx, cfg, { cursor: 'c2', openKfId: KF })).toEqual({ nextCursor: 'c3', hasMore: false, messages: [{ msgid: 'm1', msgtype: 'text' }] });
    expect(http.jsonBodies('/cgi-bin/kf/sync_msg')[1]).toEqual({ cursor: 'c2', limit: 1000, voice_format: 0, open_kfid: KF });
  });

  it('account/list pages by 100; add_contact_way checks the scene; servicer/list is a GET', async () => {
    const { http, ctx } = setup();
    http
      .script('/cgi-bin/gettoken', { body: OK_TOKEN })
      .script('/cgi-bin/kf/account/list', { body: { errcode: 0, account_list: [{ open_kfid: KF, name: '咨询客服', avatar: 'https://wework.qpic.cn/x', manage_privilege: false }] } })
      .script('/cgi-bin/kf/add_contact_way', { body: { errcode: 0, url: 'https://work.weixin.qq.com/kf/kfcbf8f8d07ac7215f?enc_scene=ENCGFSDF567DF' } })
      .script('/cgi-bin/kf/servicer/list', { body: { errcode: 0, servicer_list: [{ userid: 'zhangsan', status: 0 }, { department_id: 2 }] } });
    expect(await listKfAccounts(ctx, cfg)).toEqual([{ openKfId: KF, name: '咨询客服', avatar: 'https://wework.qpic.cn/x', managePrivilege: false }]);
    expect(http.jsonBodies('/cgi-bin/kf/account/list')).toEqual([{ offset: 0, limit: 100 }]);
    expect(await addContactWay(ctx, cfg, KF, 'qr_1')).toMatch(/^https:\/\/work\.weixin\.qq\.com\/kf\//);
    expect(http.jsonBodies('/cgi-bin/kf/add_contact_way')).toEqual([{ open_kfid: KF, scene: 'qr_1' }]);
    await expect(addContactWay(ctx, cfg, KF, 'bad scene!')).rejects.toThrow(/scene/);
    expect(await listKfServicers(ctx, cfg, KF)).toEqual([{ userId: 'zhangsan', status: 0 }, { departmentId: 2 }]);
    expect(http.calls('/cgi-bin/kf/servicer/list')[0]).toMatchObject({ method: 'GET' });
    expect(http.calls('/cgi-bin/kf/servicer/list')[0]?.url).toContain(`open_kfid=${KF}`);
  });

  it('service_state get/trans (doc 94669): servicer only in state 3, msg_code returned, 3 needs a servicer', async () => {
    const { http, ctx } = setup();
    http
      .script('/cgi-bin/gettoken', { body: OK_TOKEN })
      .script('/cgi-bin/kf/service_state/get', { body: { errcode: 0, service_state: 3, servicer_userid: 'zhangsan' } }, { body: { errcode: 0, service_state: 1, servicer_userid: 'stale' } })
      .script('/cgi-bin/kf/service_state/trans', { body: { errcode: 0, errmsg: 'ok', msg_code: 'MSG_CODE' } }, { body: { errcode: 95014, errmsg: 'servicer not active' } });
    expect(await getServiceState(ctx, cfg, KF, USER)).toEqual({ state: 3, servicerUserId: 'zhangsan' });
    expect(await getServiceState(ctx, cfg, KF, USER)).toEqual({ state: 1 });
    expect(await transServiceState(ctx, cfg, { openKfId: KF, externalUserId: USER, state: 3, servicerUserId: 'zhangsan' })).toEqual({ msgCode: 'MSG_CODE' });
    expect(http.jsonBodies('/cgi-bin/kf/service_state/trans')[0]).toEqual({ open_kfid: KF, external_userid: USER, service_state: 3, servicer_userid: 'zhangsan' });
    expect((await error(transServiceState(ctx, cfg, { openKfId: KF, externalUserId: USER, state: 2 }))).code).toBe('PERMISSION');
    expect((await error(transServiceState(ctx, cfg, { openKfId: KF, externalUserId: USER, state: 3 }))).platformCode).toBe('NO_SERVICER');
  });

  it('a wrong secret on gettoken is CONFIG, not a refresh loop', async () => {
    const { http, ctx } = setup();
    http.script('/cgi-bin/gettoken', { body: { errcode: 40001, errmsg: 'invalid credential' } });
    const err = await error(listKfAccounts(ctx, cfg));
    expect([err.code, err.platformCode]).toEqual(['CONFIG', '40001']);
    expect(http.calls('/cgi-bin/kf/account/list')).toHaveLength(0);
  });
});

describe('splitKfText', () => {
  it('cuts after a line break when there is one, never inside a 4-byte character', () => {
    expect(splitKfText('aaaa\nbbbbbb', 8)).toEqual(['aaaa\n', 'bbbbbb']);
    const emoji = '😀'.repeat(5); // 20 bytes
    const parts = splitKfText(emoji, 10);
    expect(parts.join('')).toBe(emoji);
    expect(parts.map((p) => Buffer.byteLength(p))).toEqual([8, 8, 4]);
    expect(splitKfText('', 10)).toEqual([]);
  });
});

describe('upload (media/upload, doc 90253)', () => {
  it('posts multipart with type in the query and returns the media_id; refuses tiny and oversized files', async () => {
    const http = new ScriptedHttp();
    const ctx: SendContext = { integrationId: 'i1', config: KF_CONFIG, http, tokens: new MemoryTokens(), idempotencyKey: 'k' };
    http.script('/cgi-bin/gettoken', { body: OK_TOKEN }).script('/cgi-bin/media/upload', { body: { errcode: 0, errmsg: '', type: 'image', media_id: 'MEDIA_ID', created_at: '1380000000' } });
    const sender = new WecomKfSender();
    expect(await sender.upload(ctx, { kind: 'image', bytes: Buffer.from('0123456789'), fileName: 'a.png', contentType: 'image/png' })).toBe('MEDIA_ID');
    const req = http.calls('/cgi-bin/media/upload')[0];
    expect(req?.url).toBe('https://kf.test/cgi-bin/media/upload?access_token=accesstoken000001&type=image');
    const form = req?.body as FormData;
    const file = form.get('media') as File;
    expect([file.name, file.type, file.size]).toEqual(['a.png', 'image/png', 10]);
    expect((await error(sender.upload(ctx, { kind: 'image', bytes: Buffer.from('abc'), fileName: 'a.png', contentType: 'image/png' }))).platformCode).toBe('MEDIA_TOO_SMALL');
    expect((await error(sender.upload(ctx, { kind: 'image', bytes: Buffer.alloc(10 * 1024 * 1024 + 1), fileName: 'a.png', contentType: 'image/png' }))).platformCode).toBe('MEDIA_TOO_LARGE');
  });
});
