// 微信客服 pull latency: customers write to 3 kf accounts at a steady rate; the simulator announces
// each message with a kf_msg_or_event callback; the gateway pulls kf/sync_msg and stores the message.
// Measured from the moment the simulator starts the callback:
//   stored   – the message's inbox event is committed (seen by polling the database every 5 ms),
//   answered – the keyword rule's answer reaches the simulator's kf/send_msg.
// Run with `npm run bench -- --kf-pull [--rate 10 --duration 20]`.
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { startPlatformSim } from '@imbridge/platform-sim';
import { benchDatabase, type BenchApi, costReport, numArg, readCost, startBenchApi } from './bench-support';

const RATE = numArg('rate', 10);
const DURATION = numArg('duration', 20);
/**
 * Enough customers that nobody writes more than 5 times: 微信客服 allows 5 messages after the
 * customer's last one, so a customer writing faster than answers go out would see answers refused.
 */
const CUSTOMERS_PER_ACCOUNT = numArg('customers', 40);

const pct = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
const line = (name: string, values: number[], total: number): string => {
  const v = [...values].sort((a, b) => a - b);
  return `${name.padEnd(9)} ${v.length}/${total}   p50 ${pct(v, 50)} ms   p90 ${pct(v, 90)} ms   p99 ${pct(v, 99)} ms   max ${v.at(-1)} ms\n`;
};

async function main(): Promise<void> {
  const database = await benchDatabase();
  const sim = await startPlatformSim({ port: 0 });
  const alnum = (n: number): string => randomBytes(n).toString('base64').replace(/[^A-Za-z0-9]/g, '').padEnd(n, 'x').slice(0, n);
  const corp = { corpId: 'ww0000000000c0ffee', agentId: 1000005, secret: alnum(43), token: alnum(24), encodingAesKey: alnum(43) };
  sim.wecom.addApp(corp);
  const accounts = ['售前', '售后', '会员'].map((name) => sim.kf.addAccount({ corpId: corp.corpId, name }).openKfid);
  let api: BenchApi | undefined;
  const pg = new Client({ connectionString: database.url });
  try {
    api = await startBenchApi(database.url);
    const call = api.call;
    const integration = await call<{ id: string; callbackUrl: string }>(
      'POST',
      '/api/integrations',
      { platform: 'wecom-kf', name: 'bench kf', config: { corpId: corp.corpId, secret: corp.secret, token: corp.token, encodingAesKey: corp.encodingAesKey, apiBaseUrl: sim.url } }
    );
    await call('PUT', `/api/integrations/${integration.id}/bot`, { fallbackText: null, handoffAfterFailures: 0 });
    await call('POST', '/api/keyword-rules', { integrationId: integration.id, keywords: ['价格'], matchType: 'contains', priority: 1, reply: { type: 'text', text: '您好，价格请见官网报价单。' } });
    sim.kf.setCallback(corp.corpId, integration.callbackUrl, 'normal');
    // Prime the accounts (the first message of each is pulled once the account has a cursor).
    for (const kf of accounts) await sim.kf.customerSends(kf, `wmwarmup${kf.slice(-6).replace(/[^0-9A-Za-z]/g, 'x')}`, { type: 'text', content: 'warm-up 价格' });
    await new Promise((r) => setTimeout(r, 2000));

    await pg.connect();
    const startedAt = new Map<string, number>(); // msgid → callback start
    const storedAt = new Map<string, number>();
    let lastId = '0';
    const [{ max }] = (await pg.query<{ max: string | null }>(`SELECT max(id)::text AS max FROM inbox_events`)).rows as { max: string | null }[];
    lastId = max ?? '0';
    let polling = true;
    const poller = (async () => {
      while (polling) {
        // Ids are taken at insert but rows show at commit, so a lower id can appear after a higher
        // one: look back over a margin and skip what was seen.
        const res = await pg.query<{ id: string; dedupe_key: string }>(`SELECT id::text, dedupe_key FROM inbox_events WHERE id > $1 ORDER BY id`, [String(Math.max(0, Number(lastId) - 2000))]);
        const seen = Date.now();
        for (const r of res.rows) {
          if (Number(r.id) > Number(lastId)) lastId = r.id;
          const msgid = r.dedupe_key.split(':').at(-1)!;
          if (!storedAt.has(msgid)) storedAt.set(msgid, seen);
        }
        await new Promise((r) => setTimeout(r, 5));
      }
    })();

    const total = RATE * DURATION;
    const before = await readCost(api);
    const sentBy = new Map<string, number[]>(); // "kf|user" → callback start times in order
    const started = Date.now();
    const pushes: Promise<unknown>[] = [];
    for (let i = 0; i < total; i++) {
      const due = started + (i * 1000) / RATE;
      const wait = due - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      const kf = accounts[i % accounts.length]!;
      const user = `wmbench${Math.floor(i / accounts.length) % CUSTOMERS_PER_ACCOUNT}`;
      const t0 = Date.now();
      const key = `${kf}|${user}`;
      sentBy.set(key, [...(sentBy.get(key) ?? []), t0]);
      pushes.push(sim.kf.customerSends(kf, user, { type: 'text', content: `请问价格多少？#${i}` }).then((r) => startedAt.set(r.entry.msgid, t0)));
    }
    await Promise.all(pushes);
    const deadline = Date.now() + 60_000;
    const answered = (): number => sim.kf.delivered().filter((d) => d.externalUserId.startsWith('wmbench')).length;
    while ((storedAt.size < total || answered() < total) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    polling = false;
    await poller;

    const stored: number[] = [];
    for (const [msgid, t0] of startedAt) {
      const at = storedAt.get(msgid);
      if (at !== undefined) stored.push(at - t0);
    }
    const answers: number[] = [];
    for (const [key, sends] of sentBy) {
      const [kf, user] = key.split('|') as [string, string];
      const got = sim.kf.delivered({ openKfid: kf, externalUserId: user });
      sends.forEach((t, k) => {
        const d = got[k];
        if (d !== undefined) answers.push(d.at - t);
      });
    }
    process.stdout.write(`\n微信客服 callback → pull, ${RATE} msg/s for ${DURATION} s over 3 kf accounts × ${CUSTOMERS_PER_ACCOUNT} customers (API + worker in one process)\n`);
    process.stdout.write(line('stored', stored, total));
    process.stdout.write(line('answered', answers, total));
    await new Promise((r) => setTimeout(r, 1500)); // the counters' next publish
    process.stdout.write(costReport(before, await readCost(api), total).text);
    const p99 = [...answers].sort((a, b) => a - b)[Math.min(answers.length - 1, Math.floor(0.99 * answers.length))] ?? NaN;
    process.stdout.write(`answered ${answers.length}/${total}, p99 ${p99} ms (the keyword reply path's target: < 250 ms, this path within 2×: < 500 ms): ${answers.length === total && p99 < 500 ? 'PASS' : 'FAIL'}\n`);
    if (answers.length !== total || stored.length !== total || !(p99 < 500)) process.exitCode = 1;
  } finally {
    await pg.end().catch(() => undefined);
    await api?.stop();
    await sim.close();
    await database.drop();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
