import * as nodeModule from 'node:module';
import { decodeEncodingAesKey, wxDecryptFor } from '@imbridge/crypto';
import { startPlatformSim, type PlatformSim } from '../platform-sim';
import { startCallbackReceiver, type CallbackReceiver } from '../testing/callback-receiver.testing';

/**
 * Runs the chat page's own script in jsdom against a real simulator (the page's fetch goes to it),
 * and drives it through its data-testids like the e2e test would.
 */

jest.setTimeout(20_000);

/** The little of the DOM this test touches (the repo's TypeScript config has no DOM lib). */
interface El {
  value: string;
  hidden: boolean;
  textContent: string | null;
  options: { length: number };
  getAttribute(name: string): string | null;
  click(): void;
  dispatchEvent(event: unknown): boolean;
  querySelector(selector: string): El | null;
  querySelectorAll(selector: string): ElList;
}
type ElList = Iterable<El> & { length: number };
interface Doc {
  getElementById(id: string): El | null;
  querySelector(selector: string): El | null;
  querySelectorAll(selector: string): ElList;
}
interface Win {
  document: Doc;
  Event: new (type: string, init?: { bubbles?: boolean }) => unknown;
  fetch?: typeof fetch;
  close(): void;
}
interface Jsdom {
  window: Win;
}
type JsdomCtor = new (html: string, opts: { url: string; runScripts: 'dangerously'; beforeParse(window: Win): void }) => Jsdom;

// jsdom pulls in ESM-only packages that Jest's module system cannot require on Node 20 (Node's own
// loader can: require(esm)). So it is loaded by Node directly, bypassing Jest's registry.
const nodeLoad = (nodeModule as unknown as { _load(request: string, parent: null, isMain: boolean): unknown })._load;
const { JSDOM } = nodeLoad(require.resolve('jsdom'), null, false) as { JSDOM: JsdomCtor };

const CORP = 'wwpage';
const AGENT = 1000002;
const SECRET = 'page-secret';
const TOKEN = 'pageToken';
const AES_KEY = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG';
const CUSTOMER = 'wmPageCustomer01';

type Json = Record<string, unknown>;

let sim: PlatformSim;
let receiver: CallbackReceiver | undefined;
let dom: Jsdom | undefined;

beforeAll(async () => {
  sim = await startPlatformSim();
});
afterAll(() => sim.close());
beforeEach(() => sim.reset());
afterEach(async () => {
  dom?.window.close();
  dom = undefined;
  await receiver?.close();
  receiver = undefined;
});

async function call(method: string, path: string, body?: unknown): Promise<Json> {
  const res = await fetch(`${sim.url}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return (await res.json()) as Json;
}

async function openPage(query: string): Promise<Doc> {
  const pageUrl = `${sim.url}/chat${query}`;
  const html = await (await fetch(pageUrl)).text();
  dom = new JSDOM(html, {
    url: pageUrl,
    runScripts: 'dangerously',
    beforeParse(window) {
      // jsdom has no fetch: hand the page Node's, resolving its relative URLs against the simulator.
      window.fetch = (input, init) => fetch(new URL(String(input), pageUrl), init);
    },
  });
  return dom.window.document;
}

/** Waits until `probe` returns something truthy (the page polls every 500 ms). */
async function eventually<T>(probe: () => T | undefined | null | false, what: string): Promise<T> {
  for (let i = 0; i < 400; i++) {
    const v = probe();
    if (v) return v;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}

const byTestId = (doc: Doc, id: string): El | null => doc.querySelector(`[data-testid="${id}"]`);

function setValue(doc: Doc, id: string, value: string): void {
  const el = byTestId(doc, id)!;
  const { Event } = dom!.window;
  el.value = value;
  el.dispatchEvent(new Event('input', { bubbles: true }));
  el.dispatchEvent(new Event('change', { bubbles: true }));
}

async function kfSetup(): Promise<{ kfid: string; token: string }> {
  await call('POST', '/_sim/wecom/apps', { corpId: CORP, agentId: AGENT, secret: SECRET, token: TOKEN, encodingAesKey: AES_KEY });
  const token = (await call('GET', `/cgi-bin/gettoken?corpid=${CORP}&corpsecret=${SECRET}`))['access_token'] as string;
  const kfid = ((await call('POST', '/_sim/kf/accounts', { corpId: CORP, name: '咨询客服' }))['account'] as Json)['openKfid'] as string;
  return { kfid, token };
}

const events = (kfid: string, type: string): Json[] =>
  sim.kf
    .log(kfid)
    .map((e) => e.item['event'] as Json | undefined)
    .filter((e): e is Json => e?.['event_type'] === type);

describe('chat page, 微信客服 mode', () => {
  it('opens the contact link, shows the welcome menu inert, taps an option, sends text, and shows state and quota', async () => {
    const { kfid, token } = await kfSetup();
    receiver = await startCallbackReceiver(() => ({ status: 200, body: 'success' }), '/kf');
    await call('POST', '/_sim/kf/callback', { corpId: CORP, url: receiver.url });
    const api = (path: string, body: Json): Promise<Json> => call('POST', `/cgi-bin/${path}?access_token=${token}`, body);
    const url = (await api('kf/add_contact_way', { open_kfid: kfid, scene: 'web' }))['url'] as string;

    const doc = await openPage(`?mode=kf&openKfid=${kfid}&externalUserId=${CUSTOMER}`);
    expect(byTestId(doc, 'chat-mode')).toHaveProperty('value', 'kf');
    expect(doc.getElementById('kf-settings')!.hidden).toBe(false);
    expect(doc.getElementById('wecom-settings')!.hidden).toBe(true);
    await eventually(() => (byTestId(doc, 'chat-kf-link')!).value === url, 'the contact link to be preselected');
    expect(byTestId(doc, 'chat-kf-account')).toHaveProperty('value', kfid);
    await eventually(() => byTestId(doc, 'chat-kf-state')!.getAttribute('data-state') === '4', 'state 4 before the customer writes');
    expect(byTestId(doc, 'chat-kf-quota')!.getAttribute('data-quota')).toBe('0');

    setValue(doc, 'chat-kf-scene-param', 'order=1001');
    byTestId(doc, 'chat-kf-open-link')!.click();
    const entered = await eventually(() => events(kfid, 'enter_session')[0], 'enter_session');
    expect(entered).toMatchObject({ scene: 'web', scene_param: 'order=1001', external_userid: CUSTOMER, welcome_code: expect.any(String) });
    await eventually(() => byTestId(doc, 'chat-status')!.textContent!.includes('已通知网关'), 'the callback status');
    expect(receiver.requests).toHaveLength(1);

    // The gateway answers with a welcome menu; hostile text stays text, only http(s) links are links.
    const menu = {
      head_content: '<img src=x onerror="alert(1)"> 您好',
      list: [
        { type: 'click', click: { id: 'price', content: '价格' } },
        { type: 'view', view: { url: 'javascript:alert(1)', content: '坏链接' } },
        { type: 'view', view: { url: 'https://example.com/help', content: '帮助' } },
      ],
    };
    expect((await api('kf/send_msg_on_event', { code: entered['welcome_code'], msgtype: 'msgmenu', msgmenu: menu }))['errcode']).toBe(0);
    const option = await eventually(() => byTestId(doc, 'chat-kf-menu-option'), 'the menu option');
    expect(option.textContent).toBe('价格');
    const transcript = byTestId(doc, 'chat-transcript')!;
    expect(transcript.querySelector('img')).toBeNull();
    expect(transcript.textContent).toContain('<img src=x onerror="alert(1)"> 您好');
    expect([...transcript.querySelectorAll('a')].map((a) => a.getAttribute('href'))).toEqual(['https://example.com/help']);

    option.click();
    await eventually(() => sim.kf.log(kfid).some((e) => (e.item['text'] as Json | undefined)?.['menu_id'] === 'price'), 'the menu tap');
    expect(sim.kf.log(kfid).at(-1)!.item['text']).toEqual({ content: '价格', menu_id: 'price' });
    await eventually(() => byTestId(doc, 'chat-kf-state')!.getAttribute('data-state') === '0', 'state 0 after the customer wrote');
    expect(byTestId(doc, 'chat-kf-state')!.textContent).toContain('未处理');
    expect(byTestId(doc, 'chat-kf-quota')!.getAttribute('data-quota')).toBe('5');

    (byTestId(doc, 'chat-input')!).value = '多少钱？';
    byTestId(doc, 'chat-send')!.click();
    await eventually(() => sim.kf.log(kfid).some((e) => (e.item['text'] as Json | undefined)?.['content'] === '多少钱？'), 'the typed text');
    await eventually(() => (byTestId(doc, 'chat-input')!).value === '', 'the composer to clear');

    expect((await api('kf/send_msg', { touser: CUSTOMER, open_kfid: kfid, msgtype: 'text', text: { content: '100 元' } }))['errcode']).toBe(0);
    await eventually(() => byTestId(doc, 'chat-kf-quota')!.getAttribute('data-quota') === '4', 'the quota to drop');
    const entries = [...doc.querySelectorAll('[data-testid="chat-entry"]')].map((e) => [e.getAttribute('data-from'), e.getAttribute('data-kind')]);
    expect(entries).toEqual([
      ['system', 'event'],
      ['kf', 'menu'],
      ['customer', 'text'],
      ['customer', 'text'],
      ['kf', 'text'],
    ]);
  });

  it('enters the session directly when there is no contact link', async () => {
    const { kfid } = await kfSetup();
    const doc = await openPage(`?mode=kf&externalUserId=${CUSTOMER}`);
    await eventually(() => (byTestId(doc, 'chat-kf-account')!).value === kfid, 'the only account to be chosen');
    await eventually(() => (byTestId(doc, 'chat-kf-link')!).options.length === 1, 'the link list');
    expect(byTestId(doc, 'chat-kf-link')).toHaveProperty('value', '');
    byTestId(doc, 'chat-kf-open-link')!.click();
    const entered = await eventually(() => events(kfid, 'enter_session')[0], 'enter_session');
    expect(entered).toMatchObject({ scene: '', external_userid: CUSTOMER });
    // No callback URL: the page says so.
    await eventually(() => byTestId(doc, 'chat-status')!.textContent!.includes('未推送回调'), 'the no-callback status');
  });
});

describe('chat page, WeCom app mode', () => {
  it('is the default and still sends signed callbacks for the chosen app', async () => {
    receiver = await startCallbackReceiver((req) => {
      if (req.method === 'GET') return { status: 200, body: wxDecryptFor(decodeEncodingAesKey(AES_KEY), req.query.get('echostr') ?? '', CORP).toString() };
      return { status: 200 };
    });
    await call('POST', '/_sim/wecom/apps', { corpId: CORP, agentId: AGENT, secret: SECRET, token: TOKEN, encodingAesKey: AES_KEY });
    await call('POST', '/_sim/wecom/verify-url', { callbackUrl: receiver.url, corpId: CORP });

    const doc = await openPage(`?corpId=${CORP}&agentId=${AGENT}&userId=zhangsan`);
    expect(byTestId(doc, 'chat-mode')).toHaveProperty('value', 'wecom');
    expect(doc.getElementById('kf-settings')!.hidden).toBe(true);
    await eventually(() => (byTestId(doc, 'chat-app')!).value === `${CORP}/${AGENT}`, 'the app');
    (byTestId(doc, 'chat-input')!).value = '你好';
    byTestId(doc, 'chat-send')!.click();
    await eventually(() => doc.querySelector('[data-testid="chat-entry"][data-from="user"]'), 'the sent message');
    expect(receiver.requests.filter((r) => r.method === 'POST')).toHaveLength(1);

    // Switching modes swaps the settings and the transcript.
    setValue(doc, 'chat-mode', 'kf');
    expect(doc.getElementById('kf-settings')!.hidden).toBe(false);
    expect(doc.getElementById('wecom-settings')!.hidden).toBe(true);
    await eventually(() => !byTestId(doc, 'chat-kf-no-accounts')!.hidden, 'the no-accounts hint');
    expect(doc.querySelectorAll('[data-testid="chat-entry"]')).toHaveLength(0);
  });
});
