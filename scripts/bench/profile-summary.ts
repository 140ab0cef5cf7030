// Summarizes V8 .cpuprofile files (e.g. from `npm run bench -- --profile /tmp/p`): the share of non-idle
// samples by area (self time) and the inclusive share of the functions that matter on the ingest path.
// Run: node -r ts-node/register/transpile-only scripts/bench/profile-summary.ts FILE…
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Self-time areas, by the frame's script (first match wins). */
const AREAS: [string, (f: ProfileNode['callFrame']) => boolean][] = [
  ['GC', (f) => f.functionName === '(garbage collector)'],
  ['program (native, unattributed)', (f) => f.functionName === '(program)'],
  ['fast-xml-parser', (f) => f.url.includes('/fast-xml-parser/')],
  ['fastify + plugins', (f) => /\/(fastify|@fastify|find-my-way|light-my-request|avvio|fast-json-stringify|secure-json-parse|toad-cache)\//.test(f.url)],
  ['@nestjs', (f) => f.url.includes('/@nestjs/')],
  ['bull', (f) => /\/bull\//.test(f.url)],
  ['ioredis + redis-parser', (f) => /\/(ioredis|redis-parser|cluster-key-slot|denque)\//.test(f.url)],
  ['pg', (f) => /\/(pg|pg-protocol|pg-pool|pg-types|postgres-[a-z]+)\//.test(f.url)],
  ['typeorm', (f) => f.url.includes('/typeorm/')],
  ['pino', (f) => /\/(pino|pino-std-serializers|sonic-boom)\//.test(f.url)],
  ['rxjs', (f) => f.url.includes('/rxjs/')],
  ['other node_modules', (f) => f.url.includes('/node_modules/')],
  ['imbridge (dist main.js)', (f) => f.url.includes('/dist/apps/')],
  ['node internals', (f) => f.url.startsWith('node:') || f.url === '' || !f.url.includes('/')],
  ['other', () => true],
];

/** Inclusive shares: a sample counts once when any frame of its stack matches. */
const FUNCTIONS: [string, (f: ProfileNode['callFrame']) => boolean][] = [
  ['parseSafeXml (all XML)', (f) => f.functionName === 'parseSafeXml'],
  ['  readDocument (the one-pass reader)', (f) => f.functionName === 'readDocument'],
  ['  fast-xml-parser (before the one-pass reader)', (f) => f.url.includes('fast-xml-parser')],
  ['wxVerifySignature', (f) => f.functionName === 'wxVerifySignature'],
  ['wxDecryptFor', (f) => f.functionName === 'wxDecryptFor'],
  ['timingSafeEqualStr', (f) => f.functionName === 'timingSafeEqualStr'],
  ['decodeBase64Strict', (f) => f.functionName === 'decodeBase64Strict'],
  ['openWecomCallback', (f) => f.functionName === 'openWecomCallback'],
  ['toInboundEvent', (f) => f.functionName === 'toInboundEvent'],
  ['parseRawQuery', (f) => f.functionName === 'parseRawQuery'],
  ['AsyncResource (bind/run)', (f) => f.url.includes('async_hooks') || f.functionName === 'runInAsyncScope'],
  ['AbortController/AbortSignal', (f) => f.url.includes('abort_controller')],
  ['handle() in imbridge (ingest service + adapter)', (f) => f.functionName === 'handle' && f.url.includes('dist/apps')],
  ['socket writes (writev/writeLatin1String/writeBuffer; includes time preempted there)', (f) => /^(writev|writeLatin1String|writeBuffer|writeUtf8String)$/.test(f.functionName)],
  ['CallbackDiagnostics.record/flush', (f) => f.url.includes('dist/apps') && (f.functionName === 'record' || f.functionName === 'flush')],
  ['InboxDispatcher (dispatch/flush/addBulk)', (f) => f.functionName === 'dispatchNow' || f.functionName === 'addBulk' || (f.functionName === 'dispatch' && f.url.includes('dist/apps'))],
  ['InboxWriter.write', (f) => f.functionName === 'write' && f.url.includes('dist/apps')],
  ['content-type parser (rawBody)', (f) => f.functionName === 'rawBody' || (f.url.includes('contentTypeParser') && f.functionName === 'run')],
  ['IntegrationsService.runtime', (f) => f.functionName === 'runtime' && f.url.includes('dist/apps')],
];

function summarize(file: string): void {
  const p = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const weight = new Map<number, number>(); // µs per node id
  p.samples.forEach((id, i) => weight.set(id, (weight.get(id) ?? 0) + (p.timeDeltas[i] ?? 0)));
  let total = 0;
  const areas = new Map<string, number>();
  const inclusive = new Map<string, number>();
  for (const [id, us] of weight) {
    const node = byId.get(id)!;
    if (node.callFrame.functionName === '(idle)') continue;
    total += us;
    const area = AREAS.find(([, m]) => m(node.callFrame))![0];
    areas.set(area, (areas.get(area) ?? 0) + us);
    const hit = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const f = byId.get(cur)!.callFrame;
      for (const [name, m] of FUNCTIONS) if (!hit.has(name) && m(f)) hit.add(name);
    }
    for (const name of hit) inclusive.set(name, (inclusive.get(name) ?? 0) + us);
  }
  const pct = (us: number) => `${((100 * us) / total).toFixed(1).padStart(5)} %`;
  process.stdout.write(`${file}: ${(total / 1e6).toFixed(2)} s of CPU sampled (idle excluded)\n  self time by area:\n`);
  for (const [name, us] of [...areas].sort((a, b) => b[1] - a[1])) process.stdout.write(`    ${pct(us)}  ${name}\n`);
  process.stdout.write('  inclusive, by function:\n');
  for (const [name] of FUNCTIONS) {
    const us = inclusive.get(name);
    if (us) process.stdout.write(`    ${pct(us)}  ${name}\n`);
  }
  // The heaviest self-time functions, for anything the lists above miss.
  const self = new Map<string, number>();
  for (const [id, us] of weight) {
    const f = byId.get(id)!.callFrame;
    if (f.functionName === '(idle)') continue;
    const k = `${f.functionName || '(anonymous)'} ${f.url.replace(/^.*node_modules\//, '').replace(/^.*\/dist\//, 'dist/')}:${f.lineNumber + 1}`;
    self.set(k, (self.get(k) ?? 0) + us);
  }
  process.stdout.write('  top self time:\n');
  for (const [k, us] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 25)) process.stdout.write(`    ${pct(us)}  ${k}\n`);
}

for (const f of process.argv.slice(2)) summarize(f);
