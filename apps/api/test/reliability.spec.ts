import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { getQueueToken } from '@nestjs/bull';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { startPlatformSim, type PlatformSim, type WecomApp, type WecomPushResult } from '@imbridge/platform-sim';
import { expectEventually, PrivateRedis, testPgAdminUrl } from '@imbridge/testing';
import { loadConfig } from '../src/config/app-config';
import { INBOX_QUEUE, OUTBOUND_QUEUE } from '../src/queue/queues';

import { startTestApp, type TestApp } from './test-app';

// Every test here boots the real app (HTTP + worker) against real PostgreSQL and Redis.
jest.setTimeout(60_000);

const PG_DUMP = '/usr/bin/pg_dump';

// ---------------------------------------------------------------------------------------------
// helpers

async function openDb(url: string): Promise<DataSource> {
  const ds = new DataSource({ type: 'postgres', url, extra: { max: 2 } });
  await ds.initialize();
  return ds;
}

async function createWecomIntegration(app: TestApp, simApp: WecomApp, apiBaseUrl: string): Promise<{ id: string; callbackUrl: string }> {
  const res = await app.api<{ id: string; callbackUrl: string }>(
    'POST',
    '/api/integrations',
    {
      platform: 'wecom',
      name: 'reliability',
      config: {
        corpId: simApp.corpId,
        agentId: simApp.agentId,
        secret: simApp.secret,
        token: simApp.token,
        encodingAesKey: simApp.encodingAesKey,
        apiBaseUrl,
      },
    },
    app.adminToken,
  );
  expect({ status: res.status, body: res.status === 201 ? 'ok' : res.body }).toEqual({ status: 201, body: 'ok' });
  // These tests count stored messages: a silent bot (no fallback answer to unmatched messages).
  expect((await app.api('PUT', `/api/integrations/${res.body.id}/bot`, { fallbackText: null, handoffAfterFailures: 0 }, app.adminToken)).status).toBe(200);
  return res.body;
}

let corpCounter = 0;
/** A sim app with a fresh corp id (18 chars, ww + 16 hex). */
function addSimApp(sim: PlatformSim): WecomApp {
  const corpId = `ww${randomBytes(6).toString('hex')}${String(++corpCounter).padStart(4, '0')}`;
  return sim.wecom.addApp({ corpId, agentId: 1000002, secret: randomBytes(32).toString('base64url').slice(0, 43) });
}

async function count(ds: DataSource, sql: string, params: unknown[]): Promise<number> {
  const [row] = (await ds.query(sql, params)) as { n: number }[];
  return Number(row?.n ?? 0);
}

/** Re-sends a request the sim built earlier (a platform retry), straight over HTTP. */
async function redeliver(request: { url: string; body: string }): Promise<{ status: number; body: string }> {
  const res = await fetch(request.url, { method: 'POST', headers: { 'content-type': 'text/xml' }, body: request.body });
  return { status: res.status, body: await res.text() };
}

let sim: PlatformSim;
beforeAll(async () => {
  sim = await startPlatformSim();
});
afterAll(async () => {
  await sim.close();
});

// ---------------------------------------------------------------------------------------------

describe('Redis killed during a burst of inbound messages', () => {
  let redis: PrivateRedis | undefined;
  let app: TestApp | undefined;
  let ds: DataSource | undefined;

  afterAll(async () => {
    // Cleanup runs even when the test failed half-way (redis may be down or up at this point).
    await ds?.destroy().catch(() => undefined);
    await app?.close().catch(() => undefined);
    await redis?.kill();
  });

  // Jest fails the running test on any uncaught exception or unhandled rejection, so an error event
  // of a Redis/Bull client without a listener (which would end a real process) fails this test too.
  it('accepts every callback while Redis is down and processes each message exactly once, in order, after it returns', async () => {
    redis = await PrivateRedis.start();
    app = await startTestApp({ REDIS_URL: redis.url, IMBRIDGE_SWEEP_INTERVAL_MS: '250', IMBRIDGE_INBOX_STALE_MS: '500' });
    ds = await openDb(app.databaseUrl);
    const simApp = addSimApp(sim);
    const integration = await createWecomIntegration(app, simApp, sim.url);

    const USERS = 4;
    const PER_USER = 15;
    const KILL_AFTER = 20;
    const baseTime = Math.floor(Date.now() / 1000) - 100;
    const pushedOrder = new Map<string, string[]>();
    const answers: { status: number; durationMs: number; whileDown: boolean }[] = [];
    let acknowledged = 0;
    let killed: Promise<void> | undefined;
    let killedAt = 0;

    // Several users, each sending one message after the other (as a person types), all at once.
    await Promise.all(
      Array.from({ length: USERS }, async (_, u) => {
        const user = `user${u}`;
        const order: string[] = [];
        pushedOrder.set(user, order);
        for (let i = 0; i < PER_USER; i++) {
          const msgId = `7${String(u).padStart(2, '0')}${String(i).padStart(16, '0')}`;
          const whileDown = killed !== undefined;
          const r = await sim.wecom.client.push(integration.callbackUrl, simApp.corpId, {
            type: 'text',
            fromUser: user,
            content: `${user} message ${i}`,
            msgId,
            createTime: baseTime + i,
          });
          order.push(msgId);
          for (const resp of r.responses) answers.push({ status: resp.status, durationMs: resp.durationMs, whileDown });
          if (++acknowledged === KILL_AFTER) {
            killedAt = Date.now();
            killed = redis!.kill();
          }
        }
      }),
    );
    await killed;

    // Every callback got its 200 at once: they need PostgreSQL only.
    expect(answers).toHaveLength(USERS * PER_USER);
    expect(answers.filter((a) => a.status !== 200)).toEqual([]);
    const down = answers.filter((a) => a.whileDown);
    expect(down.length).toBeGreaterThanOrEqual(USERS * PER_USER - KILL_AFTER - USERS);
    expect(Math.max(...down.map((a) => a.durationMs))).toBeLessThan(2_500); // WeCom gives up after 5 s
    expect(await count(ds, 'SELECT count(*)::int AS n FROM inbox_events WHERE integration_id = $1', [integration.id])).toBe(USERS * PER_USER);

    // Stay down longer than the dispatcher's own timeout, then look around.
    await new Promise((r) => setTimeout(r, Math.max(0, killedAt + 3_000 - Date.now())));
    // The process is still up and says what is wrong.
    const health = await app.api<{ status: string; postgres: { ok: boolean }; redis: { ok: boolean } }>('GET', '/api/health');
    expect(health.status).toBe(503);
    expect(health.body).toMatchObject({ status: 'degraded', postgres: { ok: true }, redis: { ok: false } });
    // A late callback is still accepted.
    const late = await sim.wecom.client.push(integration.callbackUrl, simApp.corpId, { type: 'text', fromUser: 'user0', content: 'user0 message 15', msgId: '7000000000000000015', createTime: baseTime + 15 });
    expect(late.responses.map((r) => r.status)).toEqual([200]);
    pushedOrder.get('user0')!.push('7000000000000000015');
    // With Redis gone nothing can be dispatched: the late event (sent once Redis was surely dead; a
    // loaded machine may kill Redis only after the burst was dispatched) waits, and so may others.
    await new Promise((r) => setTimeout(r, 1_000));
    expect(await count(ds, `SELECT count(*)::int AS n FROM inbox_events WHERE integration_id = $1 AND dedupe_key = $2 AND status = 'pending'`, [integration.id, 'msg:7000000000000000015'])).toBe(1);
    expect(await count(ds, `SELECT count(*)::int AS n FROM inbox_events WHERE integration_id = $1 AND status = 'pending'`, [integration.id])).toBeGreaterThan(0);
    // Endpoints that need Redis answer a clear 503 instead of crashing or a 500.
    const login = await app.api<{ code: string }>('POST', '/api/auth/login', { username: 'admin', password: 'whatever' });
    expect({ status: login.status, code: login.body.code }).toEqual({ status: 503, code: 'TEMPORARILY_UNAVAILABLE' });
    const diag = await app.api<{ code: string }>('GET', `/api/integrations/${integration.id}/callbacks`, undefined, app.adminToken);
    expect({ status: diag.status, code: diag.body.code }).toEqual({ status: 503, code: 'TEMPORARILY_UNAVAILABLE' });

    // Redis comes back empty (no persistence): every Bull key is lost, the sweeper re-dispatches.
    await redis.start();
    const total = USERS * PER_USER + 1;
    await expectEventually(
      async () => {
        expect(await count(ds!, `SELECT count(*)::int AS n FROM inbox_events WHERE integration_id = $1 AND status <> 'processed'`, [integration.id])).toBe(0);
      },
      { timeoutMs: 40_000, intervalMs: 200 },
    );

    // Exactly once: one inbound message per MsgId, no duplicates, nothing missing.
    const rows: { platform_message_id: string; n: number }[] = await ds.query(
      `SELECT platform_message_id, count(*)::int AS n FROM messages WHERE integration_id = $1 AND direction = 'in' GROUP BY platform_message_id`,
      [integration.id],
    );
    expect(rows.filter((r) => r.n !== 1)).toEqual([]);
    expect(rows.map((r) => r.platform_message_id).sort()).toEqual([...pushedOrder.values()].flat().sort());
    expect(await count(ds, `SELECT count(*)::int AS n FROM messages WHERE integration_id = $1`, [integration.id])).toBe(total);

    // Per-user order: processed in the order the user sent them, and shown in that order.
    const conv = await app.api<{ id: string; contact: { externalId: string } }[]>('GET', `/api/conversations?integrationId=${integration.id}&limit=200`, undefined, app.adminToken);
    expect(conv.body).toHaveLength(USERS);
    for (const [user, order] of pushedOrder) {
      const processed: { msg_id: string }[] = await ds.query(
        `SELECT e.payload->>'platformMessageId' AS msg_id FROM inbox_events e
         WHERE e.integration_id = $1 AND e.conversation_key = $2 ORDER BY e.processed_at, e.id`,
        [integration.id, user],
      );
      expect(processed.map((r) => r.msg_id)).toEqual(order);
      const mine = conv.body.find((c) => c.contact.externalId === user);
      expect(mine).toBeDefined();
      const msgs = await app.api<{ text: string }[]>('GET', `/api/conversations/${mine!.id}/messages`, undefined, app.adminToken);
      expect(msgs.body.map((m) => m.text)).toEqual(order.map((_, i) => `${user} message ${i}`));
    }

    // Back to normal: health, login and diagnostics work again.
    expect((await app.api('GET', '/api/health')).status).toBe(200);
    expect((await app.api('POST', '/api/auth/login', { username: 'admin', password: 'admin-password-for-tests' })).status).toBe(200);
    expect((await app.api('GET', `/api/integrations/${integration.id}/callbacks`, undefined, app.adminToken)).status).toBe(200);
  });
});

describe('PostgreSQL unavailable', () => {
  let app: TestApp | undefined;
  let admin: Client | undefined;
  let dbName = '';

  const allowConnections = async (allow: boolean): Promise<void> => {
    await admin!.query(`ALTER DATABASE "${dbName}" ALLOW_CONNECTIONS ${allow ? 'true' : 'false'}`);
    if (!allow) await admin!.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [dbName]);
  };

  afterAll(async () => {
    if (admin && dbName) await allowConnections(true).catch(() => undefined);
    await admin?.end().catch(() => undefined);
    await app?.close().catch(() => undefined);
  });

  it('answers 503 (never 200) while the inbox cannot be written, and accepts the retry once after', async () => {
    app = await startTestApp({ IMBRIDGE_SWEEP_INTERVAL_MS: '250', IMBRIDGE_INBOX_STALE_MS: '500' });
    dbName = new URL(app.databaseUrl).pathname.slice(1);
    admin = new Client({ connectionString: testPgAdminUrl() });
    await admin.connect();
    const simApp = addSimApp(sim);
    const integration = await createWecomIntegration(app, simApp, sim.url);
    const warm = await sim.wecom.client.push(integration.callbackUrl, simApp.corpId, { type: 'text', fromUser: 'pg-user', content: 'before' });
    expect(warm.responses.map((r) => r.status)).toEqual([200]);

    await allowConnections(false);
    let pushed: WecomPushResult;
    try {
      // WeCom delivers up to three times; every one must fail loudly so the platform keeps the message.
      pushed = await sim.wecom.client.push(integration.callbackUrl, simApp.corpId, { type: 'text', fromUser: 'pg-user', content: 'during outage' }, { deliveries: 3 });
      expect(pushed.responses.map((r) => ({ status: r.status, body: r.body }))).toEqual(
        Array.from({ length: 3 }, () => ({ status: 503, body: 'temporarily unavailable' })),
      );
      const health = await app.api<{ postgres: { ok: boolean } }>('GET', '/api/health');
      expect(health.status).toBe(503);
      expect(health.body.postgres.ok).toBe(false);
    } finally {
      await allowConnections(true);
    }

    // The platform's next retry (the identical request) is accepted, and a further one changes nothing.
    expect(await redeliver(pushed.request)).toEqual({ status: 200, body: '' });
    expect(await redeliver(pushed.request)).toEqual({ status: 200, body: '' });
    const ds = await openDb(app.databaseUrl);
    try {
      await expectEventually(
        async () => {
          const rows: { text: string; n: number }[] = await ds.query(
            `SELECT text, count(*)::int AS n FROM messages WHERE integration_id = $1 GROUP BY text ORDER BY text`,
            [integration.id],
          );
          expect(rows).toEqual([
            { text: 'before', n: 1 },
            { text: 'during outage', n: 1 },
          ]);
        },
        { timeoutMs: 15_000 },
      );
      expect(await count(ds, `SELECT count(*)::int AS n FROM inbox_events WHERE integration_id = $1 AND dedupe_key = $2`, [integration.id, `msg:${pushed.msgId}`])).toBe(1);
    } finally {
      await ds.destroy();
    }
  });
});

describe('with one running app', () => {
  let app: TestApp;
  let ds: DataSource;

  beforeAll(async () => {
    app = await startTestApp({ IMBRIDGE_SWEEP_INTERVAL_MS: '250', IMBRIDGE_INBOX_STALE_MS: '500' });
    ds = await openDb(app.databaseUrl);
  });
  afterAll(async () => {
    await ds?.destroy();
    await app?.close();
  });

  const processedOnce = async (integrationId: string, dedupeKey: string): Promise<void> => {
    await expectEventually(async () => {
      const rows: { status: string; attempts: number; messages: number }[] = await ds.query(
        `SELECT e.status, e.attempts, (SELECT count(*)::int FROM messages m WHERE m.inbox_event_id = e.id) AS messages
         FROM inbox_events e WHERE e.integration_id = $1 AND e.dedupe_key = $2`,
        [integrationId, dedupeKey],
      );
      expect(rows).toEqual([{ status: 'processed', attempts: 1, messages: 1 }]);
    });
  };

  it('gives a platform retry of a stored message or of an id-less event no second effect', async () => {
    const simApp = addSimApp(sim);
    const integration = await createWecomIntegration(app, simApp, sim.url);

    const msg = await sim.wecom.client.push(integration.callbackUrl, simApp.corpId, { type: 'text', fromUser: 'retry-user', content: 'once only' }, { deliveries: 3 });
    expect(msg.responses.map((r) => r.status)).toEqual([200, 200, 200]);
    await processedOnce(integration.id, `msg:${msg.msgId}`);

    const ev = await sim.wecom.client.push(integration.callbackUrl, simApp.corpId, { type: 'event', fromUser: 'retry-user', event: 'enter_agent' }, { deliveries: 3 });
    expect(ev.msgId).toBeUndefined();
    expect(ev.responses.map((r) => r.status)).toEqual([200, 200, 200]);
    const [evRow] = (await ds.query(`SELECT dedupe_key FROM inbox_events WHERE integration_id = $1 AND dedupe_key LIKE 'event:%'`, [integration.id])) as { dedupe_key: string }[];
    expect(evRow).toBeDefined();
    await processedOnce(integration.id, evRow!.dedupe_key);

    // Late re-deliveries, after processing finished (and the Bull jobs are gone).
    expect(await redeliver(msg.request)).toEqual({ status: 200, body: '' });
    expect(await redeliver(ev.request)).toEqual({ status: 200, body: '' });
    await new Promise((r) => setTimeout(r, 1_000)); // several sweeper rounds
    expect(await count(ds, 'SELECT count(*)::int AS n FROM inbox_events WHERE integration_id = $1', [integration.id])).toBe(2);
    const msgs: { type: string; text: string | null }[] = await ds.query(`SELECT type, text FROM messages WHERE integration_id = $1 ORDER BY created_at, type`, [integration.id]);
    expect(msgs.map((m) => m.type).sort()).toEqual(['event', 'text']);
    await processedOnce(integration.id, `msg:${msg.msgId}`);
    await processedOnce(integration.id, evRow!.dedupe_key);
    // Diagnostics fold callbacks of one kind that arrive together into one entry with a count.
    const diag = await app.api<{ records: { outcome: string; count?: number }[] }>('GET', `/api/integrations/${integration.id}/callbacks`, undefined, app.adminToken);
    const total = (outcome: string) => diag.body.records.filter((d) => d.outcome === outcome).reduce((n, d) => n + (d.count ?? 1), 0);
    expect(total('accepted')).toBe(2);
    expect(total('duplicate')).toBe(6);
  });

  it('refuses hostile JSON on the API with a 4xx error body, not a crash or a 500', async () => {
    const post = async (body: string, contentType = 'application/json'): Promise<{ status: number; code: string }> => {
      const res = await fetch(`${app.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': contentType }, body });
      const parsed = (await res.json()) as { code?: string };
      return { status: res.status, code: String(parsed.code) };
    };
    const cases: Record<string, string> = {
      'prototype pollution': '{"username":"admin","password":"x","__proto__":{"role":"admin"}}',
      'constructor pollution': '{"username":"admin","password":"x","constructor":{"prototype":{"role":"admin"}}}',
      'deep nesting': `{"username":${'['.repeat(100_000)}${']'.repeat(100_000)},"password":"x"}`,
      truncated: '{"username":"admin","password":',
      'not an object': '"admin"',
      'wrong types': '{"username":["admin"],"password":{"$ne":null}}',
    };
    for (const [what, body] of Object.entries(cases)) {
      const r = await post(body);
      expect({ what, status: r.status }).toEqual({ what, status: 400 });
    }
    const tooBig = await post(JSON.stringify({ username: 'admin', password: 'x'.repeat(2 * 1024 * 1024) }));
    expect(tooBig.status).toBe(413);
    expect(({} as Record<string, unknown>)['role']).toBeUndefined();
    expect((await app.api('GET', '/api/health')).status).toBe(200);
  });

  it('never lets secrets out: not in any API answer, not in a pg_dump', async () => {
    const secret = `S3cret-${randomBytes(24).toString('hex')}`.slice(0, 43);
    const token = `Tok${randomBytes(8).toString('hex')}`;
    const newToken = `New${randomBytes(8).toString('hex')}`;
    const encodingAesKey = randomBytes(40).toString('base64').replace(/[^A-Za-z0-9]/g, '').padEnd(43, 'x').slice(0, 43);
    const corpId = `ww${randomBytes(8).toString('hex')}`;
    const values = [secret, token, newToken, encodingAesKey];
    const forms = values.flatMap((v) => [v, Buffer.from(v).toString('base64'), Buffer.from(v).toString('hex')]);

    const answers: unknown[] = [];
    const created = await app.api<{ id: string }>('POST', '/api/integrations', { platform: 'wecom', name: 'secrets', config: { corpId, agentId: 1000003, secret, token, encodingAesKey } }, app.adminToken);
    expect(created.status).toBe(201);
    const id = created.body.id;
    answers.push(created.body);
    answers.push((await app.api('GET', '/api/integrations', undefined, app.adminToken)).body);
    answers.push((await app.api('GET', `/api/integrations/${id}`, undefined, app.adminToken)).body);
    const put = await app.api('PUT', `/api/integrations/${id}`, { name: 'secrets 2', config: { token: newToken } }, app.adminToken);
    expect(put.status).toBe(200);
    answers.push(put.body);
    // A refused update echoes nothing either.
    const bad = await app.api('PUT', `/api/integrations/${id}`, { config: { secret: `${secret}!`, encodingAesKey: `${encodingAesKey}!` } }, app.adminToken);
    expect(bad.status).toBe(400);
    answers.push(bad.body);
    answers.push((await app.api('GET', `/api/integrations/${id}/callbacks`, undefined, app.adminToken)).body);
    answers.push((await app.api('GET', '/api/platforms', undefined, app.adminToken)).body);

    const text = JSON.stringify(answers);
    expect(text).toContain(id); // the answers are about this integration
    for (const v of forms) expect(text).not.toContain(v);

    const dump = spawnSync(PG_DUMP, ['--no-owner', '--no-privileges', '--dbname', app.databaseUrl], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    expect({ status: dump.status, stderr: dump.stderr }).toEqual({ status: 0, stderr: '' });
    expect(dump.stdout).toContain(id); // the row is in the dump …
    expect(dump.stdout).toContain(corpId);
    for (const v of forms) expect(dump.stdout).not.toContain(v); // … its secrets are not
  });

  it('refuses hostile bodies fast with the uniform answer, keeps memory flat and stores nothing', async () => {
    const simApp = addSimApp(sim);
    const integration = await createWecomIntegration(app, simApp, sim.url);
    const url = new URL(integration.callbackUrl);
    const good = sim.wecom.client.buildEncryptedPost(simApp.corpId, '<xml><ToUserName><![CDATA[x]]></ToUserName></xml>');
    const path = `${url.pathname}?${new URLSearchParams(good.query).toString()}`;

    const MB = Buffer.alloc(1024 * 1024, 'A');
    MB.write('<xml><Encrypt>');
    const lol = ['<!ENTITY a0 "lollollollollollollollollollol">'];
    for (let i = 1; i < 10; i++) lol.push(`<!ENTITY a${i} "${`&a${i - 1};`.repeat(10)}">`);
    const outerBomb = `<?xml version="1.0"?><!DOCTYPE xml [${lol.join('')}]><xml><Encrypt>&a9;</Encrypt></xml>`;
    // A bomb inside a correctly signed and encrypted envelope: refused after decryption, before anything is stored.
    const innerBomb = (i: number): { path: string; body: string } => {
      const inner = `<?xml version="1.0"?><!DOCTYPE xml [${lol.join('')}]><xml><ToUserName><![CDATA[${simApp.corpId}]]></ToUserName><FromUserName><![CDATA[bomber]]></FromUserName><CreateTime>${Math.floor(Date.now() / 1000)}</CreateTime><MsgType><![CDATA[text]]></MsgType><Content>&a9;</Content><MsgId>${9000000000000000000 + i}</MsgId><AgentID>1000002</AgentID></xml>`;
      const p = sim.wecom.client.buildEncryptedPost(simApp.corpId, inner);
      return { path: `${url.pathname}?${new URLSearchParams(p.query).toString()}`, body: p.body };
    };
    const rawPost = (p: string, body: Buffer | string, chunked: boolean): Promise<{ status: number; body: string; error?: string }> =>
      new Promise((resolve) => {
        const req = httpRequest({ host: url.hostname, port: url.port, path: p, method: 'POST', headers: { 'content-type': 'text/xml', ...(chunked ? {} : { 'content-length': Buffer.byteLength(body) }) } });
        let settled = false;
        const done = (r: { status: number; body: string; error?: string }): void => {
          if (!settled) {
            settled = true;
            resolve(r);
          }
        };
        req.on('response', (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => done({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
          res.on('error', (e) => done({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), error: e.message }));
        });
        // The server may answer and stop reading before the whole megabyte is sent.
        req.on('error', (e) => setTimeout(() => done({ status: 0, body: '', error: e.message }), 200));
        if (chunked && typeof body !== 'string') {
          for (let off = 0; off < body.length; off += 64 * 1024) req.write(body.subarray(off, off + 64 * 1024));
          req.end();
        } else req.end(body);
      });

    const before = await count(ds, 'SELECT count(*)::int AS n FROM inbox_events', []);
    await rawPost(path, outerBomb, false); // warm-up
    const rssBefore = process.memoryUsage().rss;
    const started = Date.now();
    const results = await Promise.all(
      Array.from({ length: 200 }, (_, i) => {
        if (i % 4 === 0) return rawPost(path, MB, false);
        if (i % 4 === 1) return rawPost(path, MB, true);
        if (i % 4 === 2) return rawPost(path, outerBomb, false);
        const b = innerBomb(i);
        return rawPost(b.path, b.body, false);
      }),
    );
    const elapsed = Date.now() - started;
    const rssGrowth = process.memoryUsage().rss - rssBefore;

    const wrong = results.map((r, i) => ({ i, ...r })).filter((r) => r.status !== 400 || r.body !== 'invalid request');
    expect(wrong).toEqual([]);
    expect(elapsed).toBeLessThan(15_000);
    expect(rssGrowth).toBeLessThan(100 * 1024 * 1024);
    expect(await count(ds, 'SELECT count(*)::int AS n FROM inbox_events', [])).toBe(before);
    // The signed bombs got past the signature and were refused by the inner parser.
    const diag = await app.api<{ records: { detail: string }[] }>('GET', `/api/integrations/${integration.id}/callbacks`, undefined, app.adminToken);
    expect(diag.body.records.some((d) => d.detail.startsWith('malformed-body: inner'))).toBe(true);
    // Still up and still serving.
    expect((await app.api('GET', '/api/health')).status).toBe(200);
    const ok = await sim.wecom.client.push(integration.callbackUrl, simApp.corpId, { type: 'text', fromUser: 'after-bombs', content: 'hello' });
    expect(ok.responses.map((r) => r.status)).toEqual([200]);
  });
});

describe('master key', () => {
  const opened: TestApp[] = [];
  afterAll(async () => {
    for (const a of opened) await a.close().catch(() => undefined);
  });

  /**
   * Expects the start to be refused. startApp() does not close the half-initialized Nest application
   * when app.init() throws (its database pool, Redis and Bull connections stay open, and Bull workers
   * may even run); a real process exits (main.ts), but here it would keep Jest alive. So the framework
   * factory is observed (not replaced) to close whatever it created.
   */
  async function expectRefusedStart(env: Record<string, string>, reuse: { databaseUrl: string; env: Record<string, string> }, message: RegExp): Promise<void> {
    const spy = jest.spyOn(NestFactory, 'create');
    try {
      await expect(startTestApp(env, reuse)).rejects.toThrow(message);
    } finally {
      const created = await Promise.allSettled(spy.mock.results.map((r) => r.value as Promise<INestApplicationContext>));
      spy.mockRestore();
      for (const c of created) if (c.status === 'fulfilled') await closeHalfStarted(c.value);
    }
  }

  /**
   * @nestjs/bull starts the Bull workers in onModuleInit and drops the promise of queue.process(); a
   * queue closed while that start is still talking to Redis rejects it unhandled ("Connection is
   * closed."). So wait until the workers of the half-started app are running, then close it.
   */
  async function closeHalfStarted(ctx: INestApplicationContext): Promise<void> {
    interface BullInternals {
      handlers: Record<string, unknown>;
      moveUnlockedJobsToWaitInterval?: unknown;
    }
    for (const name of [INBOX_QUEUE, OUTBOUND_QUEUE]) {
      let queue: BullInternals;
      try {
        queue = ctx.get<BullInternals>(getQueueToken(name), { strict: false });
      } catch {
        continue;
      }
      if (Object.keys(queue.handlers).length === 0) continue; // no worker started
      await expectEventually(() => expect(queue.moveUnlockedJobsToWaitInterval).toBeDefined(), { timeoutMs: 10_000, intervalMs: 10 });
    }
    await ctx.close().catch(() => undefined);
  }

  it('refuses to start with a different key, and starts with the old key moved to IMBRIDGE_MASTER_KEY_PREVIOUS', async () => {
    const first = await startTestApp();
    opened.push(first);
    const simApp = addSimApp(sim);
    const integration = await createWecomIntegration(first, simApp, sim.url);
    expect((await sim.wecom.client.push(integration.callbackUrl, simApp.corpId, { type: 'text', fromUser: 'mk', content: 'one' })).responses[0]!.status).toBe(200);
    await expectEventually(async () => {
      const r = await first.api<unknown[]>('GET', `/api/conversations?integrationId=${integration.id}`, undefined, first.adminToken);
      expect(r.body).toHaveLength(1);
    });
    await first.close();
    opened.pop();

    const snapshot = async (): Promise<string> => {
      const ds = await openDb(first.databaseUrl);
      try {
        const parts = await Promise.all([
          ds.query('SELECT key, value FROM system_settings ORDER BY key'),
          ds.query('SELECT id, secrets, config, updated_at FROM integrations ORDER BY id'),
          ds.query('SELECT count(*)::int AS n FROM users'),
          ds.query('SELECT count(*)::int AS n FROM audit_log'),
          ds.query('SELECT id, status, attempts, processed_at FROM inbox_events ORDER BY id'),
          ds.query('SELECT id FROM messages ORDER BY id'),
          ds.query('SELECT id, updated_at FROM conversations ORDER BY id'),
        ]);
        return JSON.stringify(parts);
      } finally {
        await ds.destroy();
      }
    };
    const before = await snapshot();

    const oldKey = first.env['IMBRIDGE_MASTER_KEY']!;
    const newKey = randomBytes(32).toString('base64');
    const reuse = { databaseUrl: first.databaseUrl, env: first.env };
    await expectRefusedStart({ IMBRIDGE_MASTER_KEY: newKey }, reuse, /IMBRIDGE_MASTER_KEY cannot decrypt/);
    expect(await snapshot()).toBe(before);
    // A typo'd previous key does not help either.
    await expectRefusedStart({ IMBRIDGE_MASTER_KEY: newKey, IMBRIDGE_MASTER_KEY_PREVIOUS: randomBytes(32).toString('base64') }, reuse, /IMBRIDGE_MASTER_KEY cannot decrypt/);
    expect(await snapshot()).toBe(before);

    const rotated = await startTestApp({ IMBRIDGE_MASTER_KEY: newKey, IMBRIDGE_MASTER_KEY_PREVIOUS: oldKey }, reuse);
    opened.push(rotated);
    const callbackUrl = `${rotated.url}/callbacks/wecom/${integration.id}`;
    const pushed = await sim.wecom.client.push(callbackUrl, simApp.corpId, { type: 'text', fromUser: 'mk', content: 'two' });
    expect(pushed.responses.map((r) => r.status)).toEqual([200]);
    const ds = await openDb(rotated.databaseUrl);
    try {
      await expectEventually(async () => {
        expect(await count(ds, `SELECT count(*)::int AS n FROM messages WHERE integration_id = $1`, [integration.id])).toBe(2);
      });
    } finally {
      await ds.destroy();
    }
    // The masked view still reads the stored secrets.
    const view = await rotated.api<{ config: Record<string, { set?: boolean }> }>('GET', `/api/integrations/${integration.id}`, undefined, rotated.adminToken);
    expect(view.body.config['secret']).toMatchObject({ set: true });
  });

  it('says which variable is wrong when the key itself is malformed', () => {
    expect(() => loadConfig({ DATABASE_URL: 'postgres://x/y', REDIS_URL: 'redis://x', IMBRIDGE_MASTER_KEY: 'too-short' })).toThrow(/IMBRIDGE_MASTER_KEY/);
    expect(() => loadConfig({ DATABASE_URL: 'postgres://x/y', REDIS_URL: 'redis://x' })).toThrow(/IMBRIDGE_MASTER_KEY/);
  });
});
