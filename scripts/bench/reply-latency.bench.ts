// Callback → reply latency and cost: simulated employees send "价格" at a steady rate; a keyword rule
// answers; we measure from the moment the simulator starts its callback until it receives the reply
// at message/send, and what each message cost (PostgreSQL statements, Redis commands, CPU per process
// role, from GET /api/metrics). Run with
//   npm run bench -- --reply-latency [--rate 500 --duration 20 --users 1000 --apis 1 --workers 0]
// `--workers 0` (default): one process of role `all`; else `--apis` API and `--workers` worker processes,
// the callbacks spread over the API processes in turn (as behind a load balancer).
import { Agent, request } from 'node:http';
import { buildInboundXml, startPlatformSim } from '@imbridge/platform-sim';
import { benchDatabase, type BenchApi, costReport, numArg, pct, readCost, startBenchApi } from './bench-support';

const RATE = numArg('rate', 500);
const DURATION = numArg('duration', 20);
const USERS = numArg('users', 1000);
const APIS = numArg('apis', 1);
const WORKERS = numArg('workers', 0);
const P99_TARGET_MS = 250;

async function main(): Promise<void> {
  const database = await benchDatabase();
  const sim = await startPlatformSim({ port: 0 });
  let api: BenchApi | undefined;
  const failures: string[] = [];
  try {
    const app = sim.wecom.addApp({ corpId: 'ww00000000000be0c0', agentId: 1000002, secret: 'B'.repeat(43) });
    api = await startBenchApi(database.url, { apis: APIS, workers: WORKERS });
    const call = api.call;
    const integration = await call<{ id: string; callbackUrl: string }>('POST', '/api/integrations', {
      platform: 'wecom',
      name: 'bench',
      config: { corpId: app.corpId, agentId: app.agentId, secret: app.secret, token: app.token, encodingAesKey: app.encodingAesKey, apiBaseUrl: sim.url },
    });
    await call('POST', '/api/keyword-rules', { integrationId: integration.id, keywords: ['价格'], matchType: 'contains', priority: 1, reply: { type: 'text', text: '您好，价格请见官网报价单。' } });
    const path = new URL(integration.callbackUrl).pathname;
    const urls = api.bases.map((b) => `${b}${path}`);

    // Warm-up: a few messages answered end to end (token fetched, caches filled, JIT warm).
    for (let i = 0; i < 20; i++) await sim.wecom.client.push(urls[i % urls.length]!, app.corpId, { type: 'text', fromUser: `warm${i}`, content: '价格' });
    const warmDeadline = Date.now() + 30_000;
    while (sim.wecom.sentMessages(app.corpId).length < 20 && Date.now() < warmDeadline) await new Promise((r) => setTimeout(r, 50));
    const warmReplies = sim.wecom.sentMessages(app.corpId).length;
    if (warmReplies < 20) throw new Error(`the warm-up got ${warmReplies}/20 replies: the setup does not answer`);
    await new Promise((r) => setTimeout(r, 1500));

    // Every callback is built (encrypted and signed, as WeCom would) before the clock starts: the
    // platform's own work is not ours to measure, and the simulator shares this machine's 2 cores.
    const total = RATE * DURATION;
    const base = BigInt('7300000000000000000') + BigInt(Date.now()) * 1000n;
    const posts = Array.from({ length: total }, (_, i) => {
      const user = `user${i % USERS}`;
      const inner = buildInboundXml(app.corpId, app.agentId, { type: 'text', fromUser: user, content: `请问价格多少？#${i}`, msgId: String(base + BigInt(i)) });
      const post = sim.wecom.client.buildEncryptedPost(app.corpId, inner.xml);
      const url = new URL(post.url(urls[i % urls.length]!));
      return { user, url, body: Buffer.from(post.body) };
    });
    const agent = new Agent({ keepAlive: true, maxSockets: 64 });
    const deliver = (p: (typeof posts)[number]): Promise<number> =>
      new Promise((resolve) => {
        const req = request(
          { host: p.url.hostname, port: p.url.port, path: `${p.url.pathname}${p.url.search}`, method: 'POST', agent, headers: { 'content-type': 'text/xml', 'content-length': p.body.length } },
          (res) => {
            res.resume();
            res.on('end', () => resolve(res.statusCode ?? 0));
          },
        );
        req.on('error', () => resolve(0));
        req.end(p.body);
      });

    const before = await readCost(api);
    const sentAt = new Map<string, number[]>();
    const started = Date.now();
    const pushes: Promise<unknown>[] = [];
    let pushFailures = 0;
    let i = 0;
    // Every 5 ms, whatever is due by now.
    while (i < total) {
      const due = Math.min(total, Math.floor(((Date.now() - started) * RATE) / 1000) + 1);
      for (; i < due; i++) {
        const p = posts[i]!;
        const list = sentAt.get(p.user) ?? [];
        list.push(Date.now());
        sentAt.set(p.user, list);
        pushes.push(
          deliver(p).then((status) => {
            if (status !== 200) pushFailures++;
          }),
        );
      }
      await new Promise((r) => setTimeout(r, 5));
    }
    const sendSeconds = (Date.now() - started) / 1000;
    await Promise.all(pushes);
    const deadline = Date.now() + 120_000;
    const replies = () => sim.wecom.sentMessages(app.corpId).length - warmReplies;
    while (replies() < total && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    await new Promise((r) => setTimeout(r, 1500)); // late doubles, and the counters' next publish
    agent.destroy();
    const after = await readCost(api);
    const all = sim.wecom.sentMessages(app.corpId);
    const byUser = new Map<string, number[]>();
    for (const r of all) {
      const u = String(r.body['touser']);
      if (u.startsWith('warm')) continue;
      byUser.set(u, [...(byUser.get(u) ?? []), r.at.getTime()]);
    }
    const latencies: number[] = [];
    let doubled = 0;
    for (const [user, sends] of sentAt) {
      const got = byUser.get(user) ?? [];
      if (got.length > sends.length) doubled += got.length - sends.length;
      sends.forEach((t, k) => {
        const at = got[k];
        if (at !== undefined) latencies.push(at - t);
      });
    }
    latencies.sort((a, b) => a - b);
    const got = all.length - warmReplies;
    const cost = costReport(before, after, total);
    const topology = WORKERS === 0 ? `${APIS} process(es) of role all` : `${APIS} API + ${WORKERS} worker process(es)`;
    process.stdout.write(`\nCallback → keyword reply at the platform, ${RATE} msg/s for ${DURATION} s (sent in ${sendSeconds.toFixed(1)} s) from ${USERS} users, ${topology}\n`);
    process.stdout.write(`replies ${got}/${total}   p50 ${pct(latencies, 50)} ms   p90 ${pct(latencies, 90)} ms   p99 ${pct(latencies, 99)} ms   max ${latencies.at(-1)} ms\n`);
    process.stdout.write(cost.text);
    if (pushFailures > 0) failures.push(`${pushFailures} callbacks were not answered 200 by the gateway`);
    if (got - doubled < total) failures.push(`${total - (got - doubled)} messages got no reply`);
    if (doubled > 0) failures.push(`${doubled} replies were sent twice`);
    const p99 = pct(latencies, 99);
    process.stdout.write(`p99 ${p99} ms: ${p99 < P99_TARGET_MS ? 'PASS' : 'FAIL'} (target < ${P99_TARGET_MS} ms at ${RATE} msg/s)\n`);
    if (!(p99 < P99_TARGET_MS)) failures.push(`p99 ${p99} ms ≥ ${P99_TARGET_MS} ms`);
  } finally {
    await api?.stop();
    await sim.close();
    await database.drop();
  }
  if (failures.length > 0) {
    process.stderr.write(`\nbench FAILED: ${failures.join('; ')}\n`);
    process.exit(1);
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
