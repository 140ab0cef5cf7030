// Micro-benchmark of the CPU work one WeCom callback needs before storage: parse the envelope, verify,
// decrypt, parse the inner XML, normalize. Prints µs per operation for each step and for the whole.
// Run: node -r ts-node/register/transpile-only -r tsconfig-paths/register scripts/bench/ingest-micro.bench.ts
// (TS_NODE_PROJECT=tsconfig.base.json).
import { decodeEncodingAesKey, wxDecryptFor, wxVerifySignature } from '@imbridge/crypto';
import { parseSafeXml, xmlRequiredText, xmlRoot, type CallbackRequest } from '@imbridge/platform-core';
import { WecomCallbackHandler } from '@imbridge/platform-wecom';
import { BENCH_AES_KEY, BENCH_CORP_ID, BENCH_TOKEN, wecomTextPayloads } from './wecom-payloads';

const N = Number(process.argv[2] ?? 20_000);
const data = wecomTextPayloads(N);
const queries = data.map((p) => Object.fromEntries(new URLSearchParams(p.query)) as Record<string, string>);
const bodies = data.map((p) => Buffer.from(p.body));
const encrypts = bodies.map((b) => xmlRequiredText(xmlRoot(parseSafeXml(b)), 'Encrypt'));
const key = decodeEncodingAesKey(BENCH_AES_KEY);
const inners = encrypts.map((e) => wxDecryptFor(key, e, BENCH_CORP_ID));

function time(name: string, fn: (i: number) => unknown): void {
  for (let i = 0; i < N; i++) fn(i); // warm-up
  const rounds: number[] = [];
  for (let r = 0; r < 5; r++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < N; i++) fn(i);
    rounds.push(Number(process.hrtime.bigint() - t0) / 1000 / N);
  }
  rounds.sort((a, b) => a - b);
  process.stdout.write(`${name.padEnd(44)} ${rounds[2]!.toFixed(2).padStart(7)} µs/op (median of 5 × ${N})\n`);
}

time('parseSafeXml(envelope) + Encrypt', (i) => xmlRequiredText(xmlRoot(parseSafeXml(bodies[i]!)), 'Encrypt'));
time('wxVerifySignature', (i) => wxVerifySignature(BENCH_TOKEN, queries[i]!['timestamp']!, queries[i]!['nonce']!, encrypts[i]!, queries[i]!['msg_signature']!));
time('decodeEncodingAesKey', () => decodeEncodingAesKey(BENCH_AES_KEY));
time('wxDecryptFor (key decoded)', (i) => wxDecryptFor(key, encrypts[i]!, BENCH_CORP_ID));
time('parseSafeXml(inner)', (i) => xmlRoot(parseSafeXml(inners[i]!)));
const handler = new WecomCallbackHandler();
const ctx = { integrationId: 'x', config: { corpId: BENCH_CORP_ID, agentId: 1000002, secret: 'S'.repeat(43), token: BENCH_TOKEN, encodingAesKey: BENCH_AES_KEY }, replayToleranceSeconds: 0, now: new Date() };
time('WecomCallbackHandler.handle (everything)', (i) => {
  const req: CallbackRequest = { method: 'POST', query: queries[i]!, headers: {}, rawBody: bodies[i]! };
  return handler.handle(req, ctx);
});
