import { newSimCorp, openSimConversation, type SimCorp } from './sim-corp';
import { DataSource } from 'typeorm';
import type { ConversationView, IntegrationView, MessageView } from '@imbridge/contracts';
import { startPlatformSim, type CallRecord, type PlatformSim } from '@imbridge/platform-sim';
import { createTestRedisPrefix, expectEventually } from '@imbridge/testing';
import { startTestApp, type TestApp } from './test-app';

/**
 * Outbound delivery end to end: the API, the Bull queue, the workers, PostgreSQL, Redis and the WeCom
 * simulator, with nothing of ours mocked. Every test has its own WeCom corp (and so its own token,
 * rate budget and sent-message log in the simulator).
 */

jest.setTimeout(30_000);

const AGENT_ID = 1000002;
/** Fast retries (backoff starts here) and no rate limiting, except where a test says otherwise. */
const FAST = { IMBRIDGE_RETRY_BASE_MS: '50', IMBRIDGE_SEND_RATE_PER_SECOND: '1000' };

let sim: PlatformSim;
let app: TestApp;

beforeAll(async () => {
  sim = await startPlatformSim();
  app = await startTestApp(FAST);
});
afterAll(async () => {
  await app?.close();
  await sim?.close();
});
afterEach(() => sim.wecom.clearScripts());

// ---- helpers ----

type Corp = SimCorp;


async function newCorp(t: TestApp): Promise<Corp> {
  return newSimCorp(t, sim, { name: 'outbound', agentId: AGENT_ID });
}

async function openConversation(t: TestApp, corp: Corp, userId: string): Promise<ConversationView> {
  return openSimConversation(t, sim, corp, userId, '你好，我想咨询一下');
}

async function reply(t: TestApp, conversationId: string, text: string): Promise<MessageView> {
  const res = await t.api<MessageView>('POST', `/api/conversations/${conversationId}/messages`, { text }, t.adminToken);
  expect({ status: res.status, body: res.status === 201 ? 'queued' : res.body }).toEqual({ status: 201, body: 'queued' });
  expect(res.body.status).toBe('queued');
  return res.body;
}

/** Posts the texts one after the other (each accepted before the next is posted). */
async function replies(t: TestApp, conversationId: string, texts: string[]): Promise<MessageView[]> {
  const out: MessageView[] = [];
  for (const text of texts) out.push(await reply(t, conversationId, text));
  return out;
}

async function messagesOf(t: TestApp, conversationId: string): Promise<MessageView[]> {
  const res = await t.api<MessageView[]>('GET', `/api/conversations/${conversationId}/messages`, undefined, t.adminToken);
  expect(res.status).toBe(200);
  return res.body;
}

/** Waits until every given message has `status`; returns them as the API shows them now. */
async function waitForStatus(t: TestApp, conversationId: string, ids: string[], status: MessageView['status'], timeoutMs = 15_000): Promise<MessageView[]> {
  return expectEventually(
    async () => {
      const byId = new Map((await messagesOf(t, conversationId)).map((m) => [m.id, m]));
      const found = ids.map((id) => byId.get(id));
      expect(found.map((m) => m?.status)).toEqual(ids.map(() => status));
      return found as MessageView[];
    },
    { timeoutMs, intervalMs: 100 },
  );
}

/** Texts the simulator accepted for one member of the corp, in arrival order. */
function deliveredTo(corp: Corp, userId: string): string[] {
  return sim.wecom
    .sentMessages(corp.corpId)
    .filter((m) => m.body['touser'] === userId)
    .map((m) => (m.body['text'] as { content: string }).content);
}

/**
 * message/send calls after the `since`-th, with their content; the simulator reads the body only of
 * calls it gets past the token and IP checks, so a refused call's content is null.
 */
function sendCallsSince(since: number): Array<CallRecord & { content: string | null }> {
  return sim.wecom
    .calls('message/send')
    .filter((c) => c.callNumber > since)
    .map((c) => ({ ...c, content: (c.body as { text?: { content?: string } } | undefined)?.text?.content ?? null }));
}

const texts = (prefix: string, n: number): string[] => Array.from({ length: n }, (_, i) => `${prefix} 第${i + 1}条 / #${i + 1}`);

async function withDb<T>(t: TestApp, fn: (ds: DataSource) => Promise<T>): Promise<T> {
  const ds = new DataSource({ type: 'postgres', url: t.databaseUrl });
  await ds.initialize();
  try {
    return await fn(ds);
  } finally {
    await ds.destroy();
  }
}

// ---- tests ----

describe('WeCom replies through message/send', () => {
  it('delivers a reply to the member with the exact content and records the platform msgid', async () => {
    const corp = await newCorp(app);
    const conv = await openConversation(app, corp, 'zhangsan');
    const text = '您好！订单 #00123 已发货 🚚📦，预计明天送达 😀 如有问题请回复“人工”。\n第二行 1e5 <b>不是标签</b>';

    const queued = await reply(app, conv.id, text);
    expect(queued).toMatchObject({ direction: 'out', type: 'text', text, status: 'queued', error: null, sentAt: null });

    const [sent] = await waitForStatus(app, conv.id, [queued.id], 'sent');
    expect(sent!.error).toBeNull();
    expect(sent!.sentAt).not.toBeNull();

    const delivered = sim.wecom.sentMessages(corp.corpId);
    expect(delivered).toHaveLength(1);
    expect(delivered[0]!.agentId).toBe(AGENT_ID);
    expect(delivered[0]!.body).toMatchObject({ touser: 'zhangsan', agentid: AGENT_ID, msgtype: 'text', text: { content: text } });

    const [row] = await withDb(app, (ds) =>
      ds.query(
        `SELECT m.platform_message_id, o.platform_message_ids, o.status, o.attempts FROM messages m JOIN outbound_messages o ON o.message_id = m.id WHERE m.id = $1`,
        [queued.id],
      ),
    );
    expect(row).toEqual({ platform_message_id: delivered[0]!.msgid, platform_message_ids: [delivered[0]!.msgid], status: 'sent', attempts: 1 });
  });

  it('delivers 30 replies posted back-to-back in exactly that order, each once', async () => {
    const corp = await newCorp(app);
    const conv = await openConversation(app, corp, 'lisi');
    const batch = texts('顺序', 30);

    const posted = await replies(app, conv.id, batch);
    await waitForStatus(app, conv.id, posted.map((m) => m.id), 'sent');

    expect(deliveredTo(corp, 'lisi')).toEqual(batch);
  });
});

describe('access token revoked in the middle of a batch', () => {
  it('refreshes once, retries the rejected call once, and delivers 100 replies once each in order', async () => {
    const corp = await newCorp(app);
    const conv = await openConversation(app, corp, 'wangwu');
    const batch = texts('令牌', 100);
    const base = sim.wecom.callCount('message/send');
    // Hold the 38th send at the platform until the token it carries has been revoked.
    sim.wecom.script({ api: 'message/send', fromCall: base + 38, count: 1, delayMs: 1_000 });
    let revokedAfter = -1;
    let revokedTokens = 0;
    const revoker = expectEventually(
      () => {
        expect(sim.wecom.callCount('message/send')).toBeGreaterThanOrEqual(base + 38);
        revokedAfter = sim.wecom.sentMessages(corp.corpId).length;
        revokedTokens = sim.wecom.revokeTokens(corp.corpId);
      },
      { timeoutMs: 20_000, intervalMs: 5 },
    );

    const posted = await replies(app, conv.id, batch);
    await revoker;
    await waitForStatus(app, conv.id, posted.map((m) => m.id), 'sent');

    expect({ revokedAfter, revokedTokens }).toEqual({ revokedAfter: 37, revokedTokens: 1 });
    expect(sim.wecom.gettokenCount(corp.corpId)).toBe(2); // the first token, and one refresh
    const calls = sendCallsSince(base);
    expect(calls).toHaveLength(101); // the 38th call once more, nothing else
    expect(calls[37]).toMatchObject({ errcode: 40014, content: null });
    expect(calls[38]).toMatchObject({ errcode: 0, content: batch[37] });
    expect(calls[38]!.query['access_token']).not.toBe(calls[37]!.query['access_token']);
    expect(deliveredTo(corp, 'wangwu')).toEqual(batch);
  });
});

describe('platform errors', () => {
  it('backs off and retries -1 and 45009, delivering once, and holds later replies behind', async () => {
    const corp = await newCorp(app);
    const conv = await openConversation(app, corp, 'zhaoliu');
    const base = sim.wecom.callCount('message/send');
    sim.wecom.script({ api: 'message/send', fromCall: base + 1, count: 1, errcode: -1 });
    sim.wecom.script({ api: 'message/send', fromCall: base + 2, count: 1, errcode: 45009 });

    const [first, second] = await replies(app, conv.id, ['系统繁忙时的回复', '紧随其后的回复']);
    await waitForStatus(app, conv.id, [first!.id, second!.id], 'sent');

    expect(sendCallsSince(base).map((c) => [c.errcode, c.content])).toEqual([
      [-1, null],
      [45009, null],
      [0, '系统繁忙时的回复'],
      [0, '紧随其后的回复'],
    ]);
    expect(deliveredTo(corp, 'zhaoliu')).toEqual(['系统繁忙时的回复', '紧随其后的回复']);
    const rows = await withDb(app, (ds) =>
      ds.query(`SELECT o.attempts, o.last_error, m.error FROM outbound_messages o JOIN messages m ON m.id = o.message_id WHERE o.message_id = $1`, [first!.id]),
    );
    expect(rows).toEqual([{ attempts: 3, last_error: null, error: null }]);
  });

  it('dead-letters 60020 at once, surfaces it on the integration, lets later replies go, and re-drives on request', async () => {
    const corp = await newCorp(app);
    const conv = await openConversation(app, corp, 'sunqi');
    const [warm] = await replies(app, conv.id, ['第一条正常回复']);
    await waitForStatus(app, conv.id, [warm!.id], 'sent');

    sim.wecom.setTrustedIpCheck(corp.corpId, '127.0.0.1');
    const base = sim.wecom.callCount('message/send');
    const [blocked] = await replies(app, conv.id, ['IP 不在白名单时的回复 🚫']);
    const [failed] = await waitForStatus(app, conv.id, [blocked!.id], 'failed');
    expect(failed!.error).toMatchObject({ code: 'CONFIG', platformCode: '60020' });
    expect(failed!.error!.message).toContain('60020');

    const integration = await app.api<IntegrationView>('GET', `/api/integrations/${corp.integrationId}`, undefined, app.adminToken);
    expect(integration.body.lastError).toMatchObject({ code: '60020' });
    expect(integration.body.lastError!.message).toContain('60020');

    // The administrator fixes the allow-list; the next reply is not held behind the dead letter.
    sim.wecom.clearTrustedIpCheck(corp.corpId);
    const [later] = await replies(app, conv.id, ['修复后的新回复']);
    await waitForStatus(app, conv.id, [later!.id], 'sent');
    expect((await messagesOf(app, conv.id)).find((m) => m.id === blocked!.id)!.status).toBe('failed');
    expect(sendCallsSince(base).map((c) => [c.errcode, c.content])).toEqual([
      [60020, null],
      [0, '修复后的新回复'],
    ]);

    // Only failed messages can be re-driven.
    const notFailed = await app.api<{ code: string }>('POST', `/api/conversations/messages/${later!.id}/retry`, undefined, app.adminToken);
    expect({ status: notFailed.status, code: notFailed.body.code }).toEqual({ status: 409, code: 'NOT_FAILED' });

    const redrive = await app.api<MessageView>('POST', `/api/conversations/messages/${blocked!.id}/retry`, undefined, app.adminToken);
    expect(redrive.status).toBeLessThan(300);
    expect(redrive.body).toMatchObject({ id: blocked!.id, status: 'queued', error: null });
    const [resent] = await waitForStatus(app, conv.id, [blocked!.id], 'sent');
    expect(resent!.error).toBeNull();
    expect(deliveredTo(corp, 'sunqi')).toEqual(['第一条正常回复', '修复后的新回复', 'IP 不在白名单时的回复 🚫']);
  });
});

describe('two worker processes and an API process on one database and Redis', () => {
  let api: TestApp;
  let workers: TestApp[] = [];

  beforeAll(async () => {
    api = await startTestApp({ ...FAST, IMBRIDGE_ROLE: 'api' });
    const shared = { databaseUrl: api.databaseUrl, env: api.env };
    workers = [await startTestApp({ IMBRIDGE_ROLE: 'worker' }, shared), await startTestApp({ IMBRIDGE_ROLE: 'worker' }, shared)];
  });
  afterAll(async () => {
    for (const w of workers) await w.close();
    await api?.close();
  });

  async function openFive(corp: Corp): Promise<Array<{ user: string; conv: ConversationView }>> {
    const users = ['u01', 'u02', 'u03', 'u04', 'u05'];
    return Promise.all(users.map(async (user) => ({ user, conv: await openConversation(api, corp, user) })));
  }

  it('delivers 50 replies across 5 conversations once each, in order per conversation, with one shared token', async () => {
    const corp = await newCorp(api);
    const convs = await openFive(corp);

    // The five conversations are written to concurrently; each one's replies back-to-back.
    const posted = await Promise.all(convs.map(({ user, conv }) => replies(api, conv.id, texts(`${user} 并发`, 10))));
    await Promise.all(convs.map(({ conv }, i) => waitForStatus(api, conv.id, posted[i]!.map((m) => m.id), 'sent')));

    for (const { user } of convs) expect(deliveredTo(corp, user)).toEqual(texts(`${user} 并发`, 10));
    expect(sim.wecom.sentMessages(corp.corpId)).toHaveLength(50);
    expect(sim.wecom.gettokenCount(corp.corpId)).toBe(1);
  });

  it('refreshes an expired token once across both workers in the middle of a concurrent batch', async () => {
    const corp = await newCorp(api);
    const convs = await openFive(corp);
    const base = sim.wecom.callCount('message/send');
    sim.wecom.script({ api: 'message/send', fromCall: base + 20, count: 1, delayMs: 1_000 });
    let expired = 0;
    const expirer = expectEventually(
      () => {
        expect(sim.wecom.callCount('message/send')).toBeGreaterThanOrEqual(base + 20);
        expired = sim.wecom.expireTokens(corp.corpId);
      },
      { timeoutMs: 20_000, intervalMs: 5 },
    );

    const posted = await Promise.all(convs.map(({ user, conv }) => replies(api, conv.id, texts(`${user} 过期`, 10))));
    await expirer;
    await Promise.all(convs.map(({ conv }, i) => waitForStatus(api, conv.id, posted[i]!.map((m) => m.id), 'sent')));

    expect(expired).toBe(1);
    expect(sim.wecom.gettokenCount(corp.corpId)).toBe(2);
    const rejected = sendCallsSince(base).filter((c) => c.errcode === 42001);
    expect(rejected.length).toBeGreaterThanOrEqual(1);
    for (const { user } of convs) expect(deliveredTo(corp, user)).toEqual(texts(`${user} 过期`, 10));
    expect(sim.wecom.sentMessages(corp.corpId)).toHaveLength(50);
  });
});

describe('per-integration send rate', () => {
  let slow: TestApp;
  beforeAll(async () => {
    slow = await startTestApp({ IMBRIDGE_SEND_RATE_PER_SECOND: '5', IMBRIDGE_RETRY_BASE_MS: '50' });
  });
  afterAll(async () => {
    await slow?.close();
  });

  it('never makes more than 5 message/send calls in any 1-second window', async () => {
    const corp = await newCorp(slow);
    const users = ['r1', 'r2', 'r3'];
    const convs = await Promise.all(users.map((u) => openConversation(slow, corp, u)));
    const [warm] = await replies(slow, convs[0]!.id, ['预热']);
    await waitForStatus(slow, convs[0]!.id, [warm!.id], 'sent');

    const posted = await Promise.all(convs.map((c, i) => replies(slow, c.id, texts(`限速 ${users[i]}`, 5))));
    await Promise.all(convs.map((c, i) => waitForStatus(slow, c.id, posted[i]!.map((m) => m.id), 'sent', 20_000)));

    const at = sim.wecom
      .calls('message/send')
      .filter((c) => c.tenant === corp.corpId)
      .map((c) => c.at.getTime())
      .sort((a, b) => a - b);
    expect(at).toHaveLength(16);
    // Six calls inside one second would mean some call has a fifth successor less than 1 s after it.
    const gaps = at.slice(5).map((t, i) => t - at[i]!);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(1_000);
    users.forEach((u, i) => expect(deliveredTo(corp, u)).toEqual(i === 0 ? ['预热', ...texts(`限速 ${u}`, 5)] : texts(`限速 ${u}`, 5)));
  });
});

describe('sweeper', () => {
  let worker: TestApp;
  let lostJobs: TestApp;
  beforeAll(async () => {
    worker = await startTestApp({ ...FAST, IMBRIDGE_OUTBOUND_STALE_MS: '300', IMBRIDGE_SWEEP_INTERVAL_MS: '200' });
    // An API process whose queue no worker serves: what it queues is lost, as when Redis loses a job.
    lostJobs = await startTestApp({ IMBRIDGE_ROLE: 'api', IMBRIDGE_REDIS_PREFIX: createTestRedisPrefix() }, { databaseUrl: worker.databaseUrl, env: worker.env });
  });
  afterAll(async () => {
    await lostJobs?.close();
    await worker?.close();
  });

  it('sends a message a dead worker left in "sending", and one whose job Redis lost, once each', async () => {
    const corp = await newCorp(worker);
    const [deadConv, lostConv] = await Promise.all([openConversation(worker, corp, 'dead'), openConversation(worker, corp, 'lost')]);

    const [midSend] = await replies(lostJobs, deadConv.id, ['发送途中进程退出的回复']);
    const [lost] = await replies(lostJobs, lostConv.id, ['任务丢失的回复']);
    // A worker took the first one (status 'sending', one attempt counted) and died long ago.
    const updated = await withDb(worker, (ds) =>
      ds.query(
        `UPDATE outbound_messages SET status = 'sending', attempts = 1, updated_at = now() - interval '10 minutes',
           next_attempt_at = now() - interval '10 minutes' WHERE message_id = $1 AND status = 'queued' RETURNING id`,
        [midSend!.id],
      ),
    );
    expect(updated[0]).toHaveLength(1);

    await waitForStatus(worker, deadConv.id, [midSend!.id], 'sent');
    await waitForStatus(worker, lostConv.id, [lost!.id], 'sent');
    expect(deliveredTo(corp, 'dead')).toEqual(['发送途中进程退出的回复']);
    expect(deliveredTo(corp, 'lost')).toEqual(['任务丢失的回复']);
    const rows = await withDb(worker, (ds) =>
      ds.query(`SELECT message_id, status, attempts FROM outbound_messages WHERE message_id = ANY($1) ORDER BY seq`, [[midSend!.id, lost!.id]]),
    );
    expect(rows).toEqual([
      { message_id: midSend!.id, status: 'sent', attempts: 2 },
      { message_id: lost!.id, status: 'sent', attempts: 1 },
    ]);
  });
});
