import { installProcessStats } from './metrics/process-stats';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { INestApplicationContext, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { getQueueToken } from '@nestjs/bull';
import fastifyStatic from '@fastify/static';
import { createBullBoard } from '@bull-board/api';
import { BullAdapter } from '@bull-board/api/bullAdapter';
import { FastifyAdapter as BullBoardAdapter } from '@bull-board/fastify';
import type { Queue } from 'bull';
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import { createDataSource, runMigrations } from '@imbridge/persistence';
import { checkMasterKey } from './security/secrets.service';
import { AppModule } from './app.module';
import type { AppConfig } from './config/app-config';
import { createRootLogger, PinoNestLogger } from './common/logger';
import { RedisService } from './common/redis.service';
import { SessionService, tokenOf } from './auth/session.service';
import { originAllowed } from './security/origin-policy';
import { UsersService } from './users/users.service';
import { CallbacksController } from './callbacks/callbacks.controller';
import { UNIFORM_REJECTION } from './callbacks/callback-ingest.service';
import { readCallbackBody } from './callbacks/callback-body';
import { INBOX_QUEUE, OUTBOUND_QUEUE } from './queue/queues';
import { MEDIA_QUEUE } from './media/media-files';
import { registerVerificationFileRoutes } from './verification-files/verification-files.routes';
import { VerificationFilesService } from './verification-files/verification-files.service';

/** Callback bodies are small; anything larger is refused before it is read (64 KB). */
export const CALLBACK_BODY_LIMIT = 64 * 1024;
const API_BODY_LIMIT = 1024 * 1024;
/** Upload routes that take raw file bytes (FAQ spreadsheets, images agents send) get more room. */
export const UPLOAD_BODY_LIMITS: Record<string, number> = {
  '/api/faq/import': 10 * 1024 * 1024,
  '/api/media/upload': 11 * 1024 * 1024,
};
const MAX_JSON_DEPTH = 64;

/** True when arrays/objects nest deeper than `max` (a linear scan; validation would recurse). */
export function jsonTooDeep(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92) i++; // backslash: skip the escaped character
      else if (c === 34) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 123 || c === 91) {
      if (++depth > max) return true;
    } else if (c === 125 || c === 93) depth--;
  }
  return false;
}

export interface RunningApp {
  app: INestApplicationContext;
  /** Base URL when listening (http role), else undefined. */
  url: string | undefined;
  close(): Promise<void>;
}

/** Where the callback controller is once Nest has created it (routes are registered afterwards). */
interface CallbackRoutes {
  controller: CallbacksController | undefined;
}

/**
 * Callback POSTs are answered from their route's onRequest hook: the hook reads the raw body itself and
 * hands it to the controller (CallbacksController.answerPost). Fastify's body parser would create an
 * AsyncResource per request (costly on Node 20), and Nest's guard/pipe/filter pipeline does nothing for
 * these public routes; global hooks (Nest middleware, the cookie-origin check) still run before, and
 * the reply still passes the onSend hooks (security headers). Any failure gets the uniform rejection,
 * as the exception filter gives on callback routes.
 */
function answerCallbackPosts(route: RouteOptions, routes: CallbackRoutes, log: (msg: string) => void): void {
  const methods = Array.isArray(route.method) ? route.method : [route.method];
  if (!methods.includes('POST')) return;
  const answer = async (req: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const controller = routes.controller;
    if (!controller) return; // not wired: the Nest route answers
    const refuse = () => reply.status(UNIFORM_REJECTION.status).header('content-type', UNIFORM_REJECTION.contentType).send(UNIFORM_REJECTION.body);
    let body: Buffer;
    try {
      body = await readCallbackBody(req.raw, CALLBACK_BODY_LIMIT);
    } catch {
      // The rest of the body may still be coming: close the connection after answering.
      void reply.header('connection', 'close');
      await refuse();
      return;
    }
    const { platform, integrationId } = req.params as { platform: string; integrationId: string };
    try {
      await controller.answerPost(platform, integrationId, req, reply, body);
    } catch (err) {
      log(`callback answer failed: ${(err as Error).stack ?? String(err)}`);
      if (!reply.sent) await refuse();
    }
  };
  const existing = route.onRequest === undefined ? [] : Array.isArray(route.onRequest) ? route.onRequest : [route.onRequest];
  route.onRequest = [...existing, answer] as RouteOptions['onRequest'];
}

/**
 * Body handling: callback routes always get the raw bytes (signatures are computed over them, and
 * nothing is parsed before verification); other routes get JSON parsed by Fastify's safe parser.
 */
function configureBodyParsing(fastify: FastifyInstance, callbacks?: { routes: CallbackRoutes; log: (msg: string) => void }): void {
  fastify.addHook('onRoute', (route) => {
    if (route.url.startsWith('/callbacks/')) {
      route.bodyLimit = CALLBACK_BODY_LIMIT;
      if (callbacks) answerCallbackPosts(route, callbacks.routes, callbacks.log);
    }
    const upload = UPLOAD_BODY_LIMITS[route.url];
    if (upload !== undefined) route.bodyLimit = upload;
  });
  const parseJson = fastify.getDefaultJsonParser('error', 'error');
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser('*', { parseAs: 'buffer' }, (req, body, done) => {
    const buf = body as Buffer;
    if ((req.url ?? '').startsWith('/callbacks/')) return done(null, buf);
    const type = String(req.headers['content-type'] ?? '');
    if (type.startsWith('application/json')) {
      const text = buf.toString('utf8');
      if (jsonTooDeep(text, MAX_JSON_DEPTH)) {
        return done(Object.assign(new Error(`JSON nested deeper than ${MAX_JSON_DEPTH} levels`), { statusCode: 400, code: 'BAD_JSON' }), undefined);
      }
      return parseJson(req, text, done);
    }
    done(null, buf);
  });
}

// The two hooks below run on every request, callbacks included: plain callbacks, not async functions
// (Fastify then needs no promise per request for them).
function securityHeaders(fastify: FastifyInstance): void {
  fastify.addHook('onSend', (req, reply, payload, done) => {
    void reply.header('x-content-type-options', 'nosniff');
    void reply.header('referrer-policy', 'same-origin');
    if (!(req.url ?? '').startsWith('/api/docs')) void reply.header('x-frame-options', 'DENY');
    done(null, payload);
  });
}

const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * A change authenticated by the session cookie must come from the console's own origin: another
 * site can make a browser send the cookie, not the Origin it adds (CSRF). Bearer-token calls carry no
 * ambient credential and are not affected; nor are platform callbacks (no cookie).
 */
function sameOriginForCookieWrites(fastify: FastifyInstance, allowed: readonly string[]): void {
  fastify.addHook('onRequest', (req, reply, done) => {
    if (!STATE_CHANGING.has(req.method) || tokenOf(req)?.from !== 'cookie' || originAllowed(req.headers, allowed)) {
      done();
      return;
    }
    // Answered here: the chain stops (done is not called).
    void reply.status(403).send({
      statusCode: 403,
      code: 'CROSS_ORIGIN',
      message: 'cookie-authenticated changes are accepted from the console only (Origin not allowed; see IMBRIDGE_CONSOLE_ORIGINS)',
      messageZh: '仅接受来自控制台的请求（来源 Origin 不被允许，见 IMBRIDGE_CONSOLE_ORIGINS）',
    });
  });
}

function serveConsole(fastify: FastifyInstance, dir: string): void {
  void fastify.register(fastifyStatic, { root: dir, prefix: '/', wildcard: false, index: false, cacheControl: true, maxAge: '1h' });
  // Client-side routes (/integrations/…) get index.html; unknown API paths stay JSON 404s.
  fastify.get('/*', (req: FastifyRequest, reply: FastifyReply) => {
    const url = req.url ?? '/';
    if (url.startsWith('/api/') || url.startsWith('/callbacks/') || url.startsWith('/admin/')) {
      return reply.status(404).send({ statusCode: 404, code: 'NOT_FOUND', message: 'not found', messageZh: '未找到' });
    }
    return reply
      .header('cache-control', 'no-cache')
      .header(
        'content-security-policy',
        "default-src 'self'; img-src 'self' data: https:; style-src 'self' 'unsafe-inline'; script-src 'self'; connect-src 'self' ws: wss:; frame-ancestors 'none'; base-uri 'self'",
      )
      .sendFile('index.html');
  });
  fastify.get('/', (_req: FastifyRequest, reply: FastifyReply) => reply.header('cache-control', 'no-cache').sendFile('index.html'));
}

async function mountBullBoard(app: NestFastifyApplication): Promise<void> {
  const sessions = app.get(SessionService);
  const board = new BullBoardAdapter();
  board.setBasePath('/admin/queues');
  createBullBoard({
    queues: [INBOX_QUEUE, OUTBOUND_QUEUE, MEDIA_QUEUE].map((name) => new BullAdapter(app.get<Queue>(getQueueToken(name)), { readOnlyMode: false })),
    serverAdapter: board,
  });
  await app.register(async (scope: FastifyInstance) => {
    scope.addHook('onRequest', async (req, reply) => {
      // Re-read the user: a disabled, demoted or logged-out admin loses access at once, as on the API.
      const user = await sessions.authenticate(sessions.fromRequest(req as unknown as Parameters<SessionService['fromRequest']>[0]));
      if (!user || user.role !== 'admin') {
        await reply.status(user ? 403 : 401).send({ statusCode: user ? 403 : 401, code: user ? 'FORBIDDEN' : 'UNAUTHENTICATED', message: 'administrators only' });
      }
    });
    await scope.register(board.registerPlugin() as never, { prefix: '/admin/queues' });
  });
}

/**
 * Before anything else starts (queue workers, routes): apply migrations, one process at a time, and
 * refuse a master key that cannot open what is stored.
 */
export async function preflight(config: AppConfig, log: (msg: string) => void): Promise<void> {
  const ds = createDataSource({ url: config.databaseUrl, poolSize: 1 });
  await ds.initialize();
  try {
    await runMigrations(ds);
    await checkMasterKey(ds, config.masterKeys, log);
  } finally {
    await ds.destroy();
  }
}

export async function startApp(config: AppConfig, opts: { listen?: boolean; platformModules?: Type[] } = {}): Promise<RunningApp> {
  // Before any PostgreSQL or Redis client of the app exists: every statement and command is counted.
  installProcessStats();
  const root = createRootLogger(config.logLevel);
  const logger = new PinoNestLogger(root);
  await preflight(config, (msg) => root.info({ context: 'Secrets' }, msg));

  if (config.role === 'worker') {
    const ctx = await NestFactory.createApplicationContext(AppModule.forRoot(config, opts.platformModules), { logger });
    ctx.enableShutdownHooks();
    await ctx.get(RedisService).checkEvictionPolicy().catch(() => undefined);
    root.info({ role: config.role }, 'imbridge worker started');
    return { app: ctx, url: undefined, close: () => ctx.close() };
  }

  const adapter = new FastifyAdapter({ bodyLimit: API_BODY_LIMIT, routerOptions: { maxParamLength: 256 }, logger: false });
  const callbackRoutes: CallbackRoutes = { controller: undefined };
  configureBodyParsing(adapter.getInstance(), { routes: callbackRoutes, log: (msg) => root.error({ context: 'Callbacks' }, msg) });
  securityHeaders(adapter.getInstance());
  sameOriginForCookieWrites(adapter.getInstance(), config.consoleOrigins);
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config, opts.platformModules), adapter, { logger, bodyParser: false });
  callbackRoutes.controller = app.get(CallbacksController);
  try {
    return await configureAndListen(app, adapter, config, root, opts);
  } catch (err) {
    // Nothing half-started may keep running (pool, Redis, Bull workers).
    await app.close().catch(() => undefined);
    throw err;
  }
}

async function configureAndListen(
  app: NestFastifyApplication,
  adapter: FastifyAdapter,
  config: AppConfig,
  root: ReturnType<typeof createRootLogger>,
  opts: { listen?: boolean },
): Promise<RunningApp> {
  app.enableShutdownHooks();

  const doc = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('imbridge API')
      .setDescription('Gateway between bots / human service desks and WeCom, WeChat, DingTalk, Feishu. Authenticate with POST /api/auth/login, then send `Authorization: Bearer <accessToken>`.')
      .setVersion('0.1.0')
      .addBearerAuth()
      .build(),
  );
  SwaggerModule.setup('api/docs', app, doc, { jsonDocumentUrl: 'api/docs/openapi.json' });
  await mountBullBoard(app);

  // Domain verification files at the site root, before (and independent of) the console's SPA fallback.
  registerVerificationFileRoutes(adapter.getInstance(), app.get(VerificationFilesService));
  const consoleDir = config.consoleDir ?? join(process.cwd(), 'dist/apps/console');
  if (existsSync(join(consoleDir, 'index.html'))) serveConsole(adapter.getInstance(), consoleDir);
  else root.warn({ consoleDir }, 'console build not found; serving the API only (run `npm run build`)');

  await app.init();
  await app.get(UsersService).seedAdmin();
  await app.get(RedisService).checkEvictionPolicy();

  let url: string | undefined;
  if (opts.listen !== false) {
    await app.listen(config.port, config.host);
    const addr = app.getHttpServer().address();
    const port = typeof addr === 'object' && addr ? addr.port : config.port;
    url = `http://127.0.0.1:${port}`;
    root.info({ role: config.role, port, publicBaseUrl: config.publicBaseUrl }, `imbridge listening on ${config.host}:${port}`);
  }
  return { app, url, close: () => app.close() };
}
