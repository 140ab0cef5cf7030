import { FetchHttpClient, PlatformError, type SendContext } from '@imbridge/platform-core';
import { startPlatformSim, type PlatformSim } from '@imbridge/platform-sim';
import { MemoryTokens } from './kf-test-fakes';
import { getServiceState, listKfAccounts, syncMsg, transServiceState, type KfRawMessage } from './wecom-kf.api';
import { WecomKfCredentialVerifier } from './wecom-kf.credentials';
import { readWecomKfConfig } from './wecom-kf.descriptor';
import { normalizeKfMessage } from './wecom-kf.normalize';
import { kfRecipient, sendKfMsgOnEvent, WecomKfSender } from './wecom-kf.sender';

// Against the platform simulator's 微信客服 (libs/platform-sim/src/wecom-kf), over real HTTP.
const CORP = 'wwkf0001';
const SECRET = 'kf-secret';
const USER = 'wmCustomer_0001';

let sim: PlatformSim;
let ctx: SendContext;
let kfid: string;

type Json = Record<string, unknown>;
async function control(path: string, body: unknown): Promise<Json> {
  const res = await fetch(`${sim.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  expect(res.status).toBeLessThan(300);
  return (await res.json()) as Json;
}

beforeAll(async () => {
  sim = await startPlatformSim();
});
afterAll(() => sim.close());
beforeEach(async () => {
  sim.reset();
  await control('/_sim/wecom/apps', { corpId: CORP, agentId: 1000005, secret: SECRET, token: 'kfToken123', encodingAesKey: 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG' });
  kfid = ((await control('/_sim/kf/accounts', { corpId: CORP, name: '咨询客服' }))['account'] as Json)['openKfid'] as string;
  const config = { corpId: CORP, secret: SECRET, token: 'kfToken123', encodingAesKey: 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG', apiBaseUrl: sim.url };
  ctx = { integrationId: 'i1', config, http: new FetchHttpClient(5000), tokens: new MemoryTokens(), idempotencyKey: 'out_1' };
});

async function pullAll(): Promise<KfRawMessage[]> {
  const cfg = readWecomKfConfig(ctx.config);
  const all: KfRawMessage[] = [];
  let cursor: string | undefined;
  for (let i = 0; i < 20; i++) {
    const page = await syncMsg(ctx, cfg, { cursor, openKfId: kfid, limit: 2 });
    all.push(...page.messages);
    cursor = page.nextCursor;
    if (!page.hasMore) break;
  }
  return all;
}

describe('wecom-kf against the simulator', () => {
  it('test connection lists the account', async () => {
    const res = await new WecomKfCredentialVerifier().verify(ctx);
    expect(res).toEqual({ ok: true, message: `1 kf account(s): 咨询客服 (${kfid})` });
    expect(await listKfAccounts(ctx, readWecomKfConfig(ctx.config))).toEqual([expect.objectContaining({ openKfId: kfid, name: '咨询客服' })]);
  });

  it('pulls every message once across pages (incl. an empty has_more page), welcomes with the code, marks origin 5', async () => {
    await control('/_sim/kf/customer-message', { openKfid: kfid, externalUserId: USER, message: { type: 'enter_session', scene: 'qr1' } });
    for (let i = 1; i <= 3; i++) await control('/_sim/kf/customer-message', { openKfid: kfid, externalUserId: USER, message: { type: 'text', content: `m${i}` } });
    await control('/_sim/kf/empty-pages', { openKfid: kfid, count: 1 });
    const messages = (await pullAll()).map(normalizeKfMessage);
    expect(messages.map((m) => m.text ?? m.event?.name)).toEqual(['enter_session', 'm1', 'm2', 'm3']);
    expect(new Set(messages.map((m) => m.platformMessageId)).size).toBe(4);
    const welcomeCode = messages[0]?.extra?.['event.welcome_code'];
    expect(welcomeCode).toBeTruthy();
    expect(messages[0]?.extra?.['event.scene']).toBe('qr1');

    const cfg = readWecomKfConfig(ctx.config);
    await sendKfMsgOnEvent(ctx, cfg, { code: welcomeCode ?? '', msgid: 'welcome_1', content: { type: 'text', text: '欢迎咨询' } });
    await expect(sendKfMsgOnEvent(ctx, cfg, { code: welcomeCode ?? '', content: { type: 'text', text: 'again' } })).rejects.toThrow(PlatformError);

    await control('/_sim/kf/servicers', { openKfid: kfid, userid: 'zhangsan', status: 0 });
    await control('/_sim/kf/servicer-message', { openKfid: kfid, externalUserId: USER, servicerUserId: 'zhangsan', content: '我来处理' });
    const servicer = (await pullAll()).map(normalizeKfMessage).find((m) => m.text === '我来处理');
    expect(servicer?.extra).toMatchObject({ origin: '5', from_servicer: '1', servicer_userid: 'zhangsan' });
    expect(servicer?.sender.externalId).toBe(USER);
  });

  it('sends with our msgid until the 5-message quota, then WINDOW_CLOSED; session state follows trans', async () => {
    await control('/_sim/kf/customer-message', { openKfid: kfid, externalUserId: USER, message: { type: 'text', content: 'hi' } });
    const cfg = readWecomKfConfig(ctx.config);
    await transServiceState(ctx, cfg, { openKfId: kfid, externalUserId: USER, state: 1 });
    expect(await getServiceState(ctx, cfg, kfid, USER)).toEqual({ state: 1 });
    const sender = new WecomKfSender();
    for (let i = 1; i <= 5; i++) {
      const res = await sender.send({ ...ctx, idempotencyKey: `out_${i}` }, kfRecipient(kfid, USER), { type: 'text', text: `reply ${i}` });
      expect(res.platformMessageIds).toEqual([`out_${i}`]);
    }
    let err: unknown;
    try {
      await sender.send({ ...ctx, idempotencyKey: 'out_6' }, kfRecipient(kfid, USER), { type: 'text', text: 'reply 6' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(PlatformError);
    expect([(err as PlatformError).code, (err as PlatformError).retryable]).toEqual(['WINDOW_CLOSED', false]);
  });
});
