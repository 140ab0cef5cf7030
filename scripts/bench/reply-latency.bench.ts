// Callback → reply latency: simulated employees send "价格" at a steady rate; a keyword rule answers;
// we measure from the moment the simulator starts its callback until it receives the reply at
// message/send. Run with `npm run bench -- --reply-latency [--rate 20 --duration 20]`.
import { startPlatformSim } from '@imbridge/platform-sim';
import { benchDatabase, type BenchApi, numArg, startBenchApi } from './bench-support';

const arg = numArg;
const RATE = arg('rate', 20);
const DURATION = arg('duration', 20);
const USERS = 50;

const pct = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;

async function main(): Promise<void> {
  const database = await benchDatabase();
  const sim = await startPlatformSim({ port: 0 });
  let api: BenchApi | undefined;
  try {
    const app = sim.wecom.addApp({ corpId: 'ww00000000000be0c0', agentId: 1000002, secret: 'B'.repeat(43) });
    api = await startBenchApi(database.url);
    const call = api.call;
    const integration = await call<{ id: string; callbackUrl: string }>(
      'POST',
      '/api/integrations',
      { platform: 'wecom', name: 'bench', config: { corpId: app.corpId, agentId: app.agentId, secret: app.secret, token: app.token, encodingAesKey: app.encodingAesKey, apiBaseUrl: sim.url } },
          );
    await call('POST', '/api/keyword-rules', { integrationId: integration.id, keywords: ['价格'], matchType: 'contains', priority: 1, reply: { type: 'text', text: '您好，价格请见官网报价单。' } });

    const sentAt = new Map<string, number[]>();
    const total = RATE * DURATION;
    const started = Date.now();
    const pushes: Promise<unknown>[] = [];
    for (let i = 0; i < total; i++) {
      const due = started + (i * 1000) / RATE;
      const wait = due - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      const user = `user${i % USERS}`;
      const list = sentAt.get(user) ?? [];
      list.push(Date.now());
      sentAt.set(user, list);
      pushes.push(sim.wecom.client.push(integration.callbackUrl, app.corpId, { type: 'text', fromUser: user, content: `请问价格多少？#${i}` }));
    }
    await Promise.all(pushes);
    const deadline = Date.now() + 60_000;
    while (sim.wecom.sentMessages(app.corpId).length < total && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    const replies = sim.wecom.sentMessages(app.corpId);
    const byUser = new Map<string, number[]>();
    for (const r of replies) {
      const u = String(r.body['touser']);
      byUser.set(u, [...(byUser.get(u) ?? []), r.at.getTime()]);
    }
    const latencies: number[] = [];
    for (const [user, sends] of sentAt) {
      const got = byUser.get(user) ?? [];
      sends.forEach((t, k) => {
        const at = got[k];
        if (at !== undefined) latencies.push(at - t);
      });
    }
    latencies.sort((a, b) => a - b);
    process.stdout.write(`\nCallback → keyword reply at the platform, ${RATE} msg/s for ${DURATION} s from ${USERS} users (API + worker in one process)\n`);
    process.stdout.write(`replies ${replies.length}/${total}   p50 ${pct(latencies, 50)} ms   p90 ${pct(latencies, 90)} ms   p99 ${pct(latencies, 99)} ms   max ${latencies.at(-1)} ms\n`);
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
