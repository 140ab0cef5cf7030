import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createTestDatabase, createTestRedisPrefix, freePort, testRedisUrl } from '@imbridge/testing';
import type { IntegrationView } from '@imbridge/contracts';

/** The workspace root (apps/e2e/src/support → four levels up). */
export const REPO_ROOT = resolve(__dirname, '../../../..');

export const API_MAIN = join(REPO_ROOT, 'dist/apps/api/main.js');
export const SIM_MAIN = join(REPO_ROOT, 'dist/apps/platform-sim/main.js');
export const CONSOLE_DIR = join(REPO_ROOT, 'dist/apps/console');

export const ADMIN = { username: 'admin', password: 'e2e-admin-password' } as const;

const START_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 10_000;
const OUTPUT_TAIL_CHARS = 8_000;

export interface HttpResult<T> {
  status: number;
  body: T;
}

/** Children still running; killed if the test process exits without stopping them (crash, Ctrl-C). */
const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

/** One child process (the built API or simulator) with the tail of its output, for error messages. */
class ManagedProcess {
  private output = '';
  private exited: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  private readonly exitPromise: Promise<void>;

  constructor(
    readonly name: string,
    private readonly child: ChildProcess,
  ) {
    const collect = (chunk: Buffer): void => {
      this.output = (this.output + chunk.toString('utf8')).slice(-OUTPUT_TAIL_CHARS);
    };
    live.add(child);
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    this.exitPromise = new Promise((resolveExit) => {
      child.once('exit', (code, signal) => {
        live.delete(child);
        this.exited = { code, signal };
        resolveExit();
      });
      child.once('error', (err) => {
        collect(Buffer.from(`\n[spawn error] ${err.message}\n`));
        live.delete(child);
        this.exited ??= { code: null, signal: null };
        resolveExit();
      });
    });
  }

  get hasExited(): boolean {
    return this.exited !== null;
  }

  describe(): string {
    const state = this.exited ? `exited (code ${this.exited.code}, signal ${this.exited.signal})` : 'running';
    return `${this.name} ${state}; last output:\n${this.output.trim() || '(none)'}`;
  }

  /** Resolves when the output so far contains `pattern`; fails if the process exits first. */
  async waitForOutput(pattern: RegExp, timeoutMs = START_TIMEOUT_MS): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!pattern.test(this.output)) {
      if (this.exited) throw new Error(`${this.name} exited before printing ${pattern}: ${this.describe()}`);
      if (Date.now() > deadline) throw new Error(`${this.name} did not print ${pattern} within ${timeoutMs} ms: ${this.describe()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** SIGKILL: the process dies wherever it is (a crash, an OOM kill). */
  async kill(): Promise<void> {
    if (this.exited) return;
    this.child.kill('SIGKILL');
    await this.exitPromise;
  }

  /** SIGTERM (graceful shutdown), then SIGKILL if it does not exit in time. */
  async stop(): Promise<void> {
    if (this.exited) return;
    this.child.kill('SIGTERM');
    const timer = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), STOP_TIMEOUT_MS).unref());
    if ((await Promise.race([this.exitPromise.then(() => 'exited' as const), timer])) === 'timeout') {
      this.child.kill('SIGKILL');
      await this.exitPromise;
    }
  }
}


/** Fails with a clear message when the artefacts `npm test` builds are missing. */
export function assertBuilt(): void {
  const missing = [API_MAIN, SIM_MAIN, join(CONSOLE_DIR, 'index.html')].filter((f) => !existsSync(f));
  if (missing.length > 0) {
    throw new Error(
      `End-to-end tests run the built product, but these files are missing:\n  ${missing.join('\n  ')}\n` +
        'Build first: npx nx run-many -t build --projects=api,console,platform-sim --parallel=1 (npm test does this).',
    );
  }
}

function startProcess(name: string, main: string, env: Record<string, string>): ManagedProcess {
  // A clean environment: only what a user's shell would pass plus the product's settings.
  const base: Record<string, string> = {};
  for (const key of ['PATH', 'HOME', 'TMPDIR', 'LANG', 'TZ']) {
    const value = process.env[key];
    if (value !== undefined) base[key] = value;
  }
  const child = spawn(process.execPath, [main], {
    cwd: REPO_ROOT,
    env: { ...base, NODE_ENV: 'production', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new ManagedProcess(name, child);
}

/** Polls `url` until it answers 200, failing early (with its output) if the process dies. */
async function waitForHealthy(proc: ManagedProcess, url: string): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  let last = 'no answer yet';
  while (Date.now() < deadline) {
    if (proc.hasExited) throw new Error(`${proc.name} did not start: ${proc.describe()}`);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      if (res.status === 200) return;
      last = `HTTP ${res.status} ${await res.text()}`;
    } catch (err) {
      last = err instanceof Error ? err.message : String(err);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${proc.name} not healthy at ${url} after ${START_TIMEOUT_MS} ms (${last}): ${proc.describe()}`);
}

async function requestJson<T>(url: string, method: string, body?: unknown, token?: string): Promise<HttpResult<T>> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (token) headers['authorization'] = `Bearer ${token}`;
  const res = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? (JSON.parse(text) as unknown) : undefined;
  } catch {
    // not JSON: keep the text
  }
  return { status: res.status, body: parsed as T };
}

export interface Stack {
  /** The API (and console) base URL, equal to its PUBLIC_BASE_URL. */
  apiUrl: string;
  publicBaseUrl: string;
  simUrl: string;
  /** JSON call to the API; `token` is a bearer token. */
  api<T = unknown>(method: string, path: string, body?: unknown, token?: string): Promise<HttpResult<T>>;
  /** JSON call to the simulator's control API. */
  sim<T = unknown>(method: string, path: string, body?: unknown): Promise<HttpResult<T>>;
  /** Bearer token for a user, through POST /api/auth/login. */
  login(username: string, password: string): Promise<string>;
  /** Both processes' state and recent output (for failure messages). */
  describe(): string;
  stop(): Promise<void>;
}

/**
 * The product as users run it: `node dist/apps/api/main.js` on a fresh database and Redis prefix,
 * and `node dist/apps/platform-sim/main.js`, both on free ports of 127.0.0.1.
 */
export async function startStack(): Promise<Stack> {
  assertBuilt();
  const [apiPort, simPort] = [await freePort(), await freePort()];
  const database = await createTestDatabase();
  const apiUrl = `http://127.0.0.1:${apiPort}`;
  const simUrl = `http://127.0.0.1:${simPort}`;

  const processes: ManagedProcess[] = [];
  const stop = async (): Promise<void> => {
    await Promise.all(processes.map((p) => p.stop()));
  };

  try {
    const sim = startProcess('platform-sim', SIM_MAIN, { PORT: String(simPort), HOST: '127.0.0.1' });
    processes.push(sim);
    const api = startProcess('api', API_MAIN, {
      DATABASE_URL: database.url,
      REDIS_URL: testRedisUrl(),
      IMBRIDGE_REDIS_PREFIX: createTestRedisPrefix(),
      IMBRIDGE_MASTER_KEY: randomBytes(32).toString('base64'),
      PORT: String(apiPort),
      HOST: '127.0.0.1',
      PUBLIC_BASE_URL: apiUrl,
      ADMIN_USERNAME: ADMIN.username,
      ADMIN_PASSWORD: ADMIN.password,
      IMBRIDGE_ALLOW_PRIVATE_URLS: 'true',
      IMBRIDGE_CONSOLE_DIR: CONSOLE_DIR,
      LOG_LEVEL: 'warn',
    });
    processes.push(api);
    await Promise.all([waitForHealthy(sim, `${simUrl}/_sim/health`), waitForHealthy(api, `${apiUrl}/api/health`)]);
  } catch (err) {
    await stop();
    throw err;
  }

  const stack: Stack = {
    apiUrl,
    publicBaseUrl: apiUrl,
    simUrl,
    api: (method, path, body, token) => requestJson(`${apiUrl}${path}`, method, body, token),
    sim: (method, path, body) => requestJson(`${simUrl}${path}`, method, body),
    async login(username, password) {
      const res = await stack.api<{ accessToken?: string }>('POST', '/api/auth/login', { username, password });
      if (res.status !== 200 || !res.body.accessToken) throw new Error(`login of ${username} failed: ${res.status} ${JSON.stringify(res.body)}`);
      return res.body.accessToken;
    },
    describe: () => processes.map((p) => p.describe()).join('\n\n'),
    stop,
  };
  return stack;
}

export interface Cluster {
  /** Base URLs of the API processes (IMBRIDGE_ROLE=api), in start order. */
  apiUrls: string[];
  simUrl: string;
  databaseUrl: string;
  /** JSON call to API process `i`. */
  api<T = unknown>(i: number, method: string, path: string, body?: unknown, token?: string): Promise<HttpResult<T>>;
  sim<T = unknown>(method: string, path: string, body?: unknown): Promise<HttpResult<T>>;
  login(username: string, password: string): Promise<string>;
  /** SIGKILL the running queue worker `i` (of those started so far, in order). */
  killWorker(i: number): Promise<void>;
  /** Starts one more queue worker; resolves once it runs. */
  addWorker(): Promise<void>;
  /** SIGKILL API process `i` (whatever it was doing), or with `restart` start it again on its port and wait until it is healthy. */
  killApi(i: number): Promise<void>;
  restartApi(i: number): Promise<void>;
  describe(): string;
  stop(): Promise<void>;
}

/**
 * Several API processes (IMBRIDGE_ROLE=api) and queue workers (IMBRIDGE_ROLE=worker) of the built
 * product on one database and Redis prefix, plus the simulator: the deployment with more than one
 * process per role.
 */
export async function startCluster(opts: {
  apis: number;
  workers: number;
  env?: Record<string, string>;
  /** `all`: the API processes also run the queues (the all-in-one deployment). Default `api`. */
  apiRole?: 'api' | 'all';
  /** Per API process (by index), overriding `apiRole`. */
  apiRoles?: ('api' | 'all')[];
  /** A database of the test's own (default: a fresh one on the shared test server). */
  databaseUrl?: string;
  redisUrl?: string;
}): Promise<Cluster> {
  if (!existsSync(API_MAIN) || !existsSync(SIM_MAIN)) {
    throw new Error(`The cluster test runs the built API and simulator; build first: npx nx run-many -t build --projects=api,platform-sim --parallel=1`);
  }
  const database = opts.databaseUrl ? { url: opts.databaseUrl } : await createTestDatabase();
  const simPort = await freePort();
  const simUrl = `http://127.0.0.1:${simPort}`;
  const shared = {
    DATABASE_URL: database.url,
    REDIS_URL: opts.redisUrl ?? testRedisUrl(),
    IMBRIDGE_REDIS_PREFIX: createTestRedisPrefix(),
    IMBRIDGE_MASTER_KEY: randomBytes(32).toString('base64'),
    HOST: '127.0.0.1',
    ADMIN_USERNAME: ADMIN.username,
    ADMIN_PASSWORD: ADMIN.password,
    IMBRIDGE_ALLOW_PRIVATE_URLS: 'true',
    IMBRIDGE_CONSOLE_DIR: CONSOLE_DIR,
    LOG_LEVEL: 'info',
    ...(opts.env ?? {}),
  };
  const processes: ManagedProcess[] = [];
  const stop = async (): Promise<void> => {
    await Promise.all(processes.map((p) => p.stop()));
  };
  const apiUrls: string[] = [];
  const apis: ManagedProcess[] = [];
  const workers: ManagedProcess[] = [];
  const startApi = (i: number, port: number): ManagedProcess => {
    const url = `http://127.0.0.1:${port}`;
    const api = startProcess(`api#${i + 1}`, API_MAIN, { ...shared, IMBRIDGE_ROLE: opts.apiRoles?.[i] ?? opts.apiRole ?? 'api', PORT: String(port), PUBLIC_BASE_URL: url });
    processes.push(api);
    apis[i] = api;
    return api;
  };
  const newWorker = (): ManagedProcess => {
    const worker = startProcess(`worker#${workers.length + 1}`, API_MAIN, { ...shared, IMBRIDGE_ROLE: 'worker', PORT: '0', PUBLIC_BASE_URL: apiUrls[0] ?? 'http://127.0.0.1' });
    processes.push(worker);
    workers.push(worker);
    return worker;
  };
  try {
    const sim = startProcess('platform-sim', SIM_MAIN, { PORT: String(simPort), HOST: '127.0.0.1' });
    processes.push(sim);
    const waits: Promise<void>[] = [waitForHealthy(sim, `${simUrl}/_sim/health`)];
    for (let i = 0; i < opts.apis; i++) {
      const port = await freePort();
      const url = `http://127.0.0.1:${port}`;
      apiUrls.push(url);
      waits.push(waitForHealthy(startApi(i, port), `${url}/api/health`));
    }
    for (let i = 0; i < opts.workers; i++) {
      const worker = newWorker();
      waits.push(worker.waitForOutput(/imbridge worker started/));
    }
    await Promise.all(waits);
  } catch (err) {
    await stop();
    throw err;
  }
  const cluster: Cluster = {
    apiUrls,
    simUrl,
    databaseUrl: database.url,
    api: (i, method, path, body, token) => requestJson(`${apiUrls[i]}${path}`, method, body, token),
    sim: (method, path, body) => requestJson(`${simUrl}${path}`, method, body),
    async login(username, password) {
      const res = await cluster.api<{ accessToken?: string }>(0, 'POST', '/api/auth/login', { username, password });
      if (res.status !== 200 || !res.body.accessToken) throw new Error(`login of ${username} failed: ${res.status} ${JSON.stringify(res.body)}`);
      return res.body.accessToken;
    },
    async killWorker(i) {
      const worker = workers[i];
      if (!worker) throw new Error(`no worker #${i + 1}`);
      await worker.kill();
    },
    async addWorker() {
      await newWorker().waitForOutput(/imbridge worker started/);
    },
    async killApi(i) {
      const api = apis[i];
      if (!api) throw new Error(`no api #${i + 1}`);
      await api.kill();
    },
    async restartApi(i) {
      const url = apiUrls[i];
      if (!url) throw new Error(`no api #${i + 1}`);
      await apis[i]!.kill();
      await waitForHealthy(startApi(i, Number(new URL(url).port)), `${url}/api/health`);
    },
    describe: () => processes.map((p) => p.describe()).join('\n\n'),
    stop,
  };
  return cluster;
}

/** A WeCom self-built app as the simulator knows it. */
export interface SimWecomApp {
  corpId: string;
  agentId: number;
  secret: string;
  token: string;
  encodingAesKey: string;
}

/** A fresh WeCom app in the cluster's simulator and the integration for it (created through API #1). */
export async function addSimWecomIntegration(cluster: Cluster, adminToken: string, name: string): Promise<{ app: SimWecomApp; integration: IntegrationView }> {
  const app: SimWecomApp = {
    corpId: `ww${randomBytes(8).toString('hex')}`,
    agentId: 1000002,
    secret: randomBytes(32).toString('base64url').slice(0, 43),
    token: randomBytes(12).toString('hex'),
    encodingAesKey: randomBytes(32).toString('base64').replace(/[^A-Za-z0-9]/g, 'x').slice(0, 43),
  };
  const registered = await cluster.sim('POST', '/_sim/wecom/apps', app);
  if (registered.status !== 201) throw new Error(`the simulator refused the app: ${registered.status} ${JSON.stringify(registered.body)}`);
  const created = await cluster.api<IntegrationView>(0, 'POST', '/api/integrations', { platform: 'wecom', name, config: { ...app, apiBaseUrl: cluster.simUrl } }, adminToken);
  if (created.status !== 201) throw new Error(`creating the integration failed: ${created.status} ${JSON.stringify(created.body)}`);
  return { app, integration: created.body };
}
