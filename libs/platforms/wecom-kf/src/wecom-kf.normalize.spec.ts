import { KfMessageInvalid, normalizeKfMessage, toKfInboundEvent } from './wecom-kf.normalize';

// Sample entries follow the msg_list examples of doc 94670 (读取消息, https://developer.work.weixin.qq.com/document/path/94670)
// and shared/protocols/wecom-mp.md §5.2; ids are the doc's example ids.
const KF = 'wkAJ2GCAAASSm4_FhToWMFea0xAFfd3Q';
const USER = 'wmAJ2GCAAAme1XQRC-NI-q0_ZM9ukoAw';
const base = (msgtype: string, body: unknown, over: Record<string, unknown> = {}): Record<string, unknown> => ({
  msgid: 'from_msgid_4622416642169452483',
  open_kfid: KF,
  external_userid: USER,
  send_time: 1615478585,
  origin: 3,
  msgtype,
  [msgtype]: body,
  ...over,
});
const ev = (event: Record<string, unknown>): Record<string, unknown> => ({ msgid: 'from_msgid_ev1', send_time: 1615478585, origin: 4, msgtype: 'event', event });

describe('normalizeKfMessage', () => {
  it('doc 94670 text: content, kf ids in extra, customer as sender', () => {
    const m = normalizeKfMessage(base('text', { content: 'hello world' }));
    expect(m).toEqual({
      type: 'text',
      platformMessageId: 'from_msgid_4622416642169452483',
      sender: { externalId: USER },
      sentAt: '2021-03-11T16:03:05.000Z',
      text: 'hello world',
      extra: { msgid: 'from_msgid_4622416642169452483', msgtype: 'text', origin: '3', open_kfid: KF, external_userid: USER },
    });
  });

  it('doc 94670 text with menu_id (a msgmenu click)', () => {
    const m = normalizeKfMessage(base('text', { content: '满意', menu_id: '101' }));
    expect(m.text).toBe('满意');
    expect(m.extra?.['menu_id']).toBe('101');
  });

  it('origin 5: a servicer message from the WeCom client is marked and keeps the customer as conversation peer', () => {
    const m = normalizeKfMessage(base('text', { content: '您好' }, { origin: 5, servicer_userid: 'zhangsan' }));
    expect(m.extra).toMatchObject({ origin: '5', from_servicer: '1', servicer_userid: 'zhangsan' });
    expect(m.sender.externalId).toBe(USER);
    expect(normalizeKfMessage(base('text', { content: 'x' })).extra?.['from_servicer']).toBeUndefined();
  });

  it.each(['image', 'voice', 'video', 'file'])('doc 94670 %s: media_id', (kind) => {
    const m = normalizeKfMessage(base(kind, { media_id: '2iSLeVyqzk4eX0IB5kTi9Ljfa2rt9dwfq5WKRQ4Nvvgw' }));
    expect(m.type).toBe(kind);
    expect(m.media).toEqual({ mediaId: '2iSLeVyqzk4eX0IB5kTi9Ljfa2rt9dwfq5WKRQ4Nvvgw' });
  });

  it('doc 94670 location: numbers become strings, name as label, address in extra', () => {
    const m = normalizeKfMessage(base('location', { latitude: 23.106021881103501, longitude: 113.320503234863, name: '广州国际媒体港(广州市海珠区)', address: '广东省广州市海珠区滨江东路' }));
    expect(m.type).toBe('location');
    expect(m.location).toEqual({ latitude: '23.1060218811035', longitude: '113.320503234863', label: '广州国际媒体港(广州市海珠区)' });
    expect(m.extra?.['location.address']).toBe('广东省广州市海珠区滨江东路');
  });

  it('doc 94670 link: title, desc, url, pic_url', () => {
    const m = normalizeKfMessage(base('link', { title: '标题', desc: '描述', url: 'http://www.qq.com', pic_url: 'http://qq.com/p.png' }));
    expect(m.link).toEqual({ title: '标题', description: '描述', url: 'http://www.qq.com', picUrl: 'http://qq.com/p.png' });
  });

  it('doc 94670 business_card and miniprogram: kept in extra under their type', () => {
    expect(normalizeKfMessage(base('business_card', { userid: 'zhangsan' })).extra).toMatchObject({ msgtype: 'business_card', 'business_card.userid': 'zhangsan' });
    const mp = normalizeKfMessage(base('miniprogram', { title: '测试', appid: 'wx123123123123', pagepath: 'pages/index', thumb_media_id: 'MEDIA' }));
    expect(mp.type).toBe('unknown');
    expect(mp.extra).toMatchObject({ 'miniprogram.appid': 'wx123123123123', 'miniprogram.pagepath': 'pages/index', 'miniprogram.title': '测试', 'miniprogram.thumb_media_id': 'MEDIA' });
  });

  it('doc 94670 msgmenu (a menu echoed in history): head/tail kept, list skipped', () => {
    const m = normalizeKfMessage(base('msgmenu', { head_content: '您对本次服务是否满意呢?', list: [{ type: 'click', click: { id: '101', content: '满意' } }], tail_content: '欢迎再次光临' }));
    expect(m.extra).toMatchObject({ 'msgmenu.head_content': '您对本次服务是否满意呢?', 'msgmenu.tail_content': '欢迎再次光临' });
  });

  it('doc 94670 event enter_session: ids from inside event, welcome_code and scene', () => {
    const m = normalizeKfMessage(
      ev({ event_type: 'enter_session', open_kfid: KF, external_userid: USER, scene: '123', scene_param: 'abc', welcome_code: 'aaaaaa', wechat_channels: { nickname: '进入会话的视频号名称', scene: 1 } }),
    );
    expect(m.type).toBe('event');
    expect(m.event).toEqual({ name: 'enter_session' });
    expect(m.sender.externalId).toBe(USER);
    expect(m.extra).toMatchObject({
      origin: '4',
      open_kfid: KF,
      'event.welcome_code': 'aaaaaa',
      'event.scene': '123',
      'event.scene_param': 'abc',
      'event.wechat_channels.nickname': '进入会话的视频号名称',
    });
  });

  it('doc 94670 event msg_send_fail: fail_msgid, fail_type and a readable reason', () => {
    const m = normalizeKfMessage(ev({ event_type: 'msg_send_fail', open_kfid: KF, external_userid: USER, fail_msgid: 'FAIL_MSGID', fail_type: 4 }));
    expect(m.extra).toMatchObject({ 'event.fail_msgid': 'FAIL_MSGID', 'event.fail_type': '4', 'event.fail_reason': 'the session expired (over 48 h)' });
  });

  it('doc 94670 event session_status_change with msg_code', () => {
    const m = normalizeKfMessage(ev({ event_type: 'session_status_change', open_kfid: KF, external_userid: USER, change_type: 1, new_servicer_userid: 'zhangsan', msg_code: 'MSG_CODE' }));
    expect(m.event?.name).toBe('session_status_change');
    expect(m.extra).toMatchObject({ 'event.change_type': '1', 'event.new_servicer_userid': 'zhangsan', 'event.msg_code': 'MSG_CODE' });
  });

  it('doc 94670 event servicer_status_change: no customer, the servicer is the sender', () => {
    const raw = ev({ event_type: 'servicer_status_change', servicer_userid: 'zhangsan', status: 1, open_kfid: KF });
    const m = normalizeKfMessage(raw);
    expect(m.sender.externalId).toBe('zhangsan');
    expect(m.extra).toMatchObject({ servicer_userid: 'zhangsan', 'event.status': '1' });
    expect(toKfInboundEvent(raw).conversationKey).toBe(`${KF}:servicer:zhangsan`);
  });

  it('doc 94670 event user_recall_msg: recalled msgid', () => {
    const m = normalizeKfMessage(ev({ event_type: 'user_recall_msg', open_kfid: KF, external_userid: USER, recall_msgid: 'RECALL_MSGID' }));
    expect(m.event?.name).toBe('user_recall_msg');
    expect(m.extra?.['event.recall_msgid']).toBe('RECALL_MSGID');
  });

  it('inbox event: dedupe on account + msgid, conversation per customer and account', () => {
    const e = toKfInboundEvent(base('text', { content: 'x' }));
    expect(e.dedupeKey).toBe(`kf:msg:${KF}:from_msgid_4622416642169452483`);
    expect(e.conversationKey).toBe(`${KF}:${USER}`);
  });

  it('rejects entries without msgid, with a bad send_time, or without any person', () => {
    expect(() => normalizeKfMessage({ ...base('text', { content: 'x' }), msgid: undefined })).toThrow(KfMessageInvalid);
    expect(() => normalizeKfMessage({ ...base('text', { content: 'x' }), send_time: '1615478585' })).toThrow(KfMessageInvalid);
    expect(() => normalizeKfMessage({ ...base('text', { content: 'x' }), external_userid: undefined })).toThrow(KfMessageInvalid);
  });

  it('an own-key lookup: msgtype "__proto__" or "constructor" does not reach Object.prototype', () => {
    const m = normalizeKfMessage({ msgid: 'm1', external_userid: USER, send_time: 1, msgtype: 'constructor' });
    expect(m.type).toBe('unknown');
    expect(Object.keys(m.extra ?? {})).toEqual(['msgid', 'msgtype', 'external_userid']);
  });
});
