// 公众号 passive replies: users of an unverified subscription account (safe mode, so every callback
// is decrypted and every reply encrypted) write at a steady rate; the keyword rule answers at once, so
// each reply must go out inside the first delivery. Measured by the simulator, which plays WeChat
// (5-second timeout, 3 deliveries): the time from starting the callback to the passive reply, how
// many were answered in the first delivery, and that no callback got two replies.
// Run with `npm run bench -- --mp-passive [--rate 20 --duration 20 --users 200]`.
import { randomBytes } from 'node:crypto';
import { startPlatformSim } from '@imbridge/platform-sim';
import { benchDatabase, type BenchApi, costReport, numArg, readCost, startBenchApi } from './bench-support';

const RATE = numArg('rate', 20);
const DURATION = numArg('duration', 20);
const USERS = numArg('users', 200);

const pct = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;

async function main(): Promise<void> {
  const database = await benchDatabase();
  const sim = await startPlatformSim({ port: 0 });
  const alnum = (n: number): string => randomBytes(n * 2).toString('base64').replace(/[^A-Za-z0-9]/g, '').slice(0, n);
  const acc = { appId: `wx${randomBytes(8).toString('hex')}`, appSecret: alnum(32), token: alnum(20), encodingAesKey: alnum(43) };
  let api: BenchApi | undefined;
  try {
    api = await startBenchApi(database.url);
    const call = api.call;
    const integration = await call<{ id: string; callbackUrl: string }>('POST', '/api/integrations', {
      platform: 'mp',
      name: 'bench mp',
      config: { ...acc, encryptionMode: 'safe', accountType: 'subscription', verified: false, apiBaseUrl: sim.url },
    });
    sim.mp.addAccount({ ...acc, mode: 'safe', accountType: 'subscription', verified: false, callbackUrl: integration.callbackUrl });
    await call('PUT', `/api/integrations/${integration.id}/bot`, { fallbackText: null, handoffAfterFailures: 0 });
    await call('POST', '/api/keyword-rules', { integrationId: integration.id, keywords: ['价格'], matchType: 'contains', priority: 1, reply: { type: 'text', text: '您好，价格请见官网报价单。' } });
    await sim.mp.userMessage(acc.appId, 'owarmup', { type: 'text', content: 'warm-up 价格' });

    const total = RATE * DURATION;
    const before = await readCost(api);
    const started = Date.now();
    const pushes: Promise<{ ms: number; outcomes: string; content?: string }>[] = [];
    for (let i = 0; i < total; i++) {
      const due = started + (i * 1000) / RATE;
      const wait = due - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      const openId = `obench${i % USERS}`;
      pushes.push(
        sim.mp.userMessage(acc.appId, openId, { type: 'text', content: `请问价格多少？#${i}` }).then((r) => ({
          ms: r.deliveries.reduce((sum, d) => sum + d.durationMs, 0),
          outcomes: r.deliveries.map((d) => d.outcome).join(','),
          content: r.reply?.content,
        })),
      );
    }
    const results = await Promise.all(pushes);
    const first = results.filter((r) => r.outcomes === 'reply');
    const v = first.map((r) => r.ms).sort((a, b) => a - b);
    const other = new Map<string, number>();
    for (const r of results) if (r.outcomes !== 'reply') other.set(r.outcomes, (other.get(r.outcomes) ?? 0) + 1);
    const wrong = results.filter((r) => r.outcomes === 'reply' && !r.content?.includes('价格请见官网报价单')).length;
    process.stdout.write(`\n公众号 passive replies (safe mode), ${RATE} msg/s for ${DURATION} s from ${USERS} users (API + worker in one process)\n`);
    process.stdout.write(`answered in the first delivery: ${first.length}/${total}; other outcomes: ${JSON.stringify(Object.fromEntries(other))}; replies without the answer: ${wrong}\n`);
    process.stdout.write(`callback → passive reply   p50 ${pct(v, 50)} ms   p90 ${pct(v, 90)} ms   p99 ${pct(v, 99)} ms   max ${v.at(-1)} ms\n`);
    await new Promise((r) => setTimeout(r, 1500)); // the counters' next publish
    process.stdout.write(costReport(before, await readCost(api), total).text);
    process.stdout.write(`answered in the first delivery ${first.length}/${total}, p99 ${pct(v, 99)} ms (within 2× of the keyword path's 250 ms: < 500 ms): ${first.length === total && pct(v, 99) < 500 ? 'PASS' : 'FAIL'}\n`);
    if (wrong > 0 || first.length !== total || !(pct(v, 99) < 500)) process.exitCode = 1;
  } finally {
    await api?.stop();
    await sim.close();
    await database.drop();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
