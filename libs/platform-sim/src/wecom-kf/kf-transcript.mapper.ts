import type { KfChatEntry, KfChatMenu, KfChatMenuItem, KfLogEntry } from './kf-sim.types';
import type { KfDeliveredRecord } from './kf-state.store';

type Json = Record<string, unknown>;

const obj = (v: unknown): Json => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : {});
const str = (v: unknown): string => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '');

/** msgmenu as the WeChat client shows it: head, options (click/view/miniprogram/text), tail. */
export function toKfChatMenu(value: unknown): KfChatMenu {
  const m = obj(value);
  const items: KfChatMenuItem[] = [];
  for (const raw of Array.isArray(m['list']) ? m['list'] : []) {
    const it = obj(raw);
    const type = str(it['type']);
    const body = obj(it[type]);
    if (type === 'click') items.push({ type, id: str(body['id']), content: str(body['content']) });
    else if (type === 'view') items.push({ type, url: str(body['url']), content: str(body['content']) });
    else if (type === 'miniprogram') items.push({ type, appid: str(body['appid']), pagepath: str(body['pagepath']), content: str(body['content']) });
    else items.push({ type: 'text', content: str(body['content']) });
  }
  const out: KfChatMenu = { items };
  if (str(m['head_content'])) out.head = str(m['head_content']);
  if (str(m['tail_content'])) out.tail = str(m['tail_content']);
  return out;
}

/** One line for a message type the page does not render natively. */
function summary(msgtype: string, p: Json): string {
  switch (msgtype) {
    case 'image':
      return `[图片 Image] ${str(p['media_id'])}`;
    case 'voice':
      return `[语音 Voice] ${str(p['media_id'])}`;
    case 'video':
      return `[视频 Video] ${str(p['media_id'])}`;
    case 'file':
      return `[文件 File] ${str(p['media_id'])}`;
    case 'location':
      return `[位置 Location] ${[str(p['name']), str(p['address'])].filter(Boolean).join(' ')} (${str(p['latitude'])}, ${str(p['longitude'])})`;
    case 'link':
      return `[链接 Link] ${[str(p['title']), str(p['desc']), str(p['url'])].filter(Boolean).join(' · ')}`;
    case 'business_card':
      return `[名片 Business card] ${str(p['userid'])}`;
    case 'miniprogram':
      return `[小程序 Mini program] ${[str(p['title']), str(p['appid']), str(p['pagepath'])].filter(Boolean).join(' · ')}`;
    case 'ca_link':
      return `[获客链接 Acquisition link] ${str(p['link_url'])}`;
    default:
      return `[${msgtype}]`;
  }
}

const iso = (ms: number): string => new Date(ms).toISOString();

function eventLine(e: Json): string | undefined {
  switch (str(e['event_type'])) {
    case 'enter_session': {
      const scene = str(e['scene']);
      const param = str(e['scene_param']);
      return `进入会话 Entered the session${scene ? ` · scene=${scene}` : ''}${param ? ` · scene_param=${param}` : ''}${e['welcome_code'] ? ' · welcome_code' : ''}`;
    }
    case 'msg_send_fail':
      return `消息发送失败 Message not delivered · msgid=${str(e['fail_msgid'])} · fail_type=${str(e['fail_type'])}`;
    case 'session_status_change': {
      const to = str(e['new_servicer_userid']);
      return `会话状态变更 Session change · change_type=${str(e['change_type'])}${to ? ` · servicer=${to}` : ''}`;
    }
    case 'user_recall_msg':
      return `客户撤回了一条消息 The customer recalled a message`;
    default:
      return undefined;
  }
}

/** Log entries (customer messages, servicer messages, events) of one customer as transcript lines. */
function fromLog(entry: KfLogEntry, recalled: ReadonlySet<string>): KfChatEntry | undefined {
  const item = entry.item;
  const msgtype = str(item['msgtype']);
  const base = { id: `l${entry.seq}`, at: iso(Number(item['send_time']) * 1000), msgid: entry.msgid, msgtype };
  if (msgtype === 'event') {
    const text = eventLine(obj(item['event']));
    return text === undefined ? undefined : { ...base, msgtype: str(obj(item['event'])['event_type']), from: 'system', kind: 'event', text };
  }
  const from = item['origin'] === 5 ? 'servicer' : 'customer';
  const p = obj(item[msgtype]);
  const extra = {
    ...(from === 'servicer' ? { servicerUserId: str(item['servicer_userid']) } : {}),
    ...(recalled.has(entry.msgid) ? { recalled: true } : {}),
  };
  if (msgtype === 'text') {
    return { ...base, from, kind: 'text', text: str(p['content']), ...(str(p['menu_id']) ? { menuId: str(p['menu_id']) } : {}), ...extra };
  }
  return { ...base, from, kind: 'other', text: summary(msgtype, p), ...extra };
}

function fromDelivered(d: KfDeliveredRecord): KfChatEntry {
  const p = obj(d.body[d.msgtype]);
  const base = { id: `d${d.msgid}`, from: 'kf' as const, at: iso(d.at), msgid: d.msgid, msgtype: d.msgtype, via: d.via };
  if (d.msgtype === 'text') return { ...base, kind: 'text', text: str(p['content']) };
  if (d.msgtype === 'msgmenu') return { ...base, kind: 'menu', menu: toKfChatMenu(p) };
  return { ...base, kind: 'other', text: summary(d.msgtype, p) };
}

/** Does a log item concern this customer (top-level external_userid, or inside the event)? */
function concerns(item: Json, externalUserId: string): boolean {
  if (item['msgtype'] === 'event') return obj(item['event'])['external_userid'] === externalUserId;
  return item['external_userid'] === externalUserId;
}

/**
 * The chat of one customer with one account: the log in order, each delivered message right after
 * the log entry that was last when it was accepted.
 */
export function kfTranscript(log: readonly KfLogEntry[], delivered: readonly KfDeliveredRecord[], externalUserId: string, recalled: ReadonlySet<string>): KfChatEntry[] {
  const out: KfChatEntry[] = [];
  const sent = delivered.filter((d) => d.externalUserId === externalUserId);
  let next = 0;
  const flush = (upTo: number): void => {
    while (next < sent.length && sent[next]!.logSeq <= upTo) out.push(fromDelivered(sent[next++]!));
  };
  flush(0);
  for (const entry of log) {
    if (concerns(entry.item, externalUserId)) {
      const line = fromLog(entry, recalled);
      if (line) out.push(line);
    }
    flush(entry.seq);
  }
  flush(Number.MAX_SAFE_INTEGER);
  return out;
}
