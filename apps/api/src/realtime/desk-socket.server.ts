import { type BeforeApplicationShutdown, Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { createAdapter } from '@socket.io/redis-adapter';
import Redis from 'ioredis';
import { Server, type Socket } from 'socket.io';
import { DESK_SOCKET_PATH, type UserRole } from '@imbridge/contracts';
import { SessionService, type VerifiedSession } from '../auth/session.service';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { DeskListeners } from './desk-listeners.service';
import { DeskNotifier, socketIoKey } from './desk-notifier.service';
import { sessionRoom, userRoom, VIEW_ALL_ROOM } from './desk-rooms';
import { originAllowed } from '../security/origin-policy';
import { PRESENCE_HEARTBEAT_MS, PresenceService } from './presence.service';

interface SocketUser {
  id: string;
  role: UserRole;
  viewAllChats?: boolean;
}

interface SocketData {
  user: SocketUser;
  session: VerifiedSession;
}

/**
 * The desk's socket.io server on the API's own HTTP server (path /api/socket.io). Several API
 * processes act as one through the Redis adapter; workers reach the sockets through DeskNotifier's
 * emitter on the same key. Clients only listen: every change goes through REST.
 *
 * Handshake: the session cookie (the console) or `auth: {token}`; the user row is re-read (disabled
 * → refused). Sockets join their user's and their role's room; the heartbeat re-checks the user and
 * drops sockets of users disabled or whose role changed meanwhile.
 */
@Injectable()
export class DeskSocketServer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('DeskSocket');
  private io: Server | undefined;
  private pub: Redis | undefined;
  private sub: Redis | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly host: HttpAdapterHost,
    private readonly sessions: SessionService,
    private readonly presence: PresenceService,
    private readonly notifier: DeskNotifier,
    private readonly listeners: DeskListeners,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    const server = this.host.httpAdapter?.getHttpServer();
    if (!server) return; // an application context without HTTP (should not happen in the api role)
    // Pub/sub connections of their own: a subscribed connection can do nothing else. They queue
    // commands while reconnecting instead of rejecting them (the adapter does not await publish).
    const opts = { maxRetriesPerRequest: null, retryStrategy: (times: number) => Math.min(times * 200, 2000) };
    this.pub = new Redis(this.config.redisUrl, opts);
    this.sub = new Redis(this.config.redisUrl, opts);
    for (const c of [this.pub, this.sub]) c.on('error', (err: Error) => this.logger.warn(`redis: ${err.message}`));
    this.io = new Server(server, {
      path: DESK_SOCKET_PATH,
      serveClient: false,
      adapter: createAdapter(this.pub, this.sub, { key: socketIoKey(this.config) }),
      pingInterval: 20_000,
      pingTimeout: 15_000,
    });
    this.io.use((socket, next) => {
      this.authenticate(socket).then(
        (user) => {
          if (user === 'cross-origin') {
            next(Object.assign(new Error('origin not allowed / 来源不被允许'), { data: { code: 'CROSS_ORIGIN' } }));
            return;
          }
          if (!user) {
            next(Object.assign(new Error('login required / 请先登录'), { data: { code: 'UNAUTHENTICATED' } }));
            return;
          }
          Object.assign(socket.data as SocketData, { user: { id: user.id, role: user.role, viewAllChats: user.viewAllChats }, session: user.session });
          // Every process starts building desk events before this console can load anything.
          this.listeners.present().then(
            () => next(),
            (err: Error) => next(Object.assign(new Error('temporarily unavailable / 暂时无法连接'), { data: { code: 'UNAVAILABLE', reason: err.message } })),
          );
        },
        (err: Error) => next(Object.assign(new Error('temporarily unavailable / 暂时无法连接'), { data: { code: 'UNAVAILABLE', reason: err.message } })),
      );
    });
    this.io.on('connection', (socket) => this.onConnection(socket));
    this.timer = setInterval(() => void this.heartbeat(), PRESENCE_HEARTBEAT_MS);
    this.timer.unref();
  }

  /**
   * The session of the handshake: a token in `auth` (scripts), or the console's cookie — then only from
   * an allowed origin (a page on another site can make the browser send the cookie, not the Origin).
   */
  private async authenticate(socket: Socket): Promise<(SocketUser & { session: VerifiedSession }) | 'cross-origin' | null> {
    const auth = socket.handshake.auth as { token?: unknown } | undefined;
    const byToken = typeof auth?.token === 'string' && auth.token !== '';
    if (!byToken && !originAllowed(socket.request.headers, this.config.consoleOrigins)) return 'cross-origin';
    const session = byToken ? this.sessions.verify(auth.token as string) : this.sessions.fromRequest({ headers: socket.request.headers });
    const user = await this.sessions.authenticate(session);
    return user ? { id: user.id, role: user.role, viewAllChats: user.viewAllChats, session: user.session } : null;
  }

  /**
   * An administrator granted or revoked "every chat": the user's open consoles join or leave the room
   * at once, on every API process (through the Redis adapter).
   */
  setViewAllChats(userId: string, granted: boolean): void {
    const sockets = this.io?.in(userRoom(userId));
    if (granted) sockets?.socketsJoin(VIEW_ALL_ROOM);
    else sockets?.socketsLeave(VIEW_ALL_ROOM);
  }

  /** A logged-out session's sockets close at once, on every API process (through the Redis adapter). */
  disconnectSession(jti: string): void {
    this.io?.in(sessionRoom(jti)).disconnectSockets(true);
  }

  private onConnection(socket: Socket): void {
    const { user, session } = socket.data as SocketData;
    // Joining is synchronous for the in-process part of the adapter: no event is missed after connect.
    void socket.join([userRoom(user.id), `role:${user.role}`, sessionRoom(session.jti), ...(user.role !== 'admin' && user.viewAllChats ? [VIEW_ALL_ROOM] : [])]);
    // The disconnect clean-up waits for the connect bookkeeping: a socket that closes at once must
    // not leave an entry recorded after its removal.
    const recorded = this.recordConnect(user, socket.id);
    socket.on('disconnect', () => void recorded.then(() => this.onDisconnect(user, socket.id)));
  }

  private async recordConnect(user: SocketUser, socketId: string): Promise<void> {
    try {
      const cameOnline = await this.presence.connect(user.id, socketId);
      if (cameOnline) {
        this.notifier.presenceChanged(user.id);
        this.notifier.queueChanged();
      }
    } catch (err) {
      this.logger.warn(`presence of ${user.id} not recorded: ${(err as Error).message}`);
    }
  }

  private async onDisconnect(user: SocketUser, socketId: string): Promise<void> {
    // This process's last console left: nobody here listens any more.
    if (this.io && this.io.of('/').sockets.size === 0) await this.listeners.absent().catch(() => undefined);
    try {
      if (await this.presence.disconnect(user.id, socketId)) this.notifier.presenceChanged(user.id);
    } catch (err) {
      this.logger.warn(`presence of ${user.id} not updated: ${(err as Error).message}`);
    }
  }

  /** Keeps this process's socket entries alive, drops sockets of users no longer allowed, and announces ghosts offline. */
  private async heartbeat(): Promise<void> {
    if (!this.io) return;
    try {
      const sockets = [...this.io.of('/').sockets.values()];
      const bySession = new Map<string, Socket[]>();
      for (const s of sockets) {
        const jti = (s.data as Partial<SocketData>).session?.jti;
        if (jti) bySession.set(jti, [...(bySession.get(jti) ?? []), s]);
      }
      // A session logged out, ended by a password change, or of a disabled or demoted user: its sockets go.
      for (const list of bySession.values()) {
        const data = list[0]!.data as SocketData;
        const now = await this.sessions.authenticate(data.session);
        for (const s of list) {
          if (!now || now.role !== (s.data as SocketData).user.role) s.disconnect(true);
        }
      }
      const alive = [...this.io.of('/').sockets.values()]
        .map((s) => ({ userId: (s.data as { user?: SocketUser }).user?.id ?? '', socketId: s.id }))
        .filter((s) => s.userId !== '');
      await this.presence.refresh(alive);
      if (this.io.of('/').sockets.size > 0) await this.listeners.present();
      else await this.listeners.absent();
      for (const userId of await this.presence.prune()) this.notifier.presenceChanged(userId);
    } catch (err) {
      this.logger.warn(`presence heartbeat failed: ${(err as Error).message}`);
    }
  }

  /** Before the HTTP server and Redis go: close sockets so their presence entries are removed now. */
  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    const io = this.io;
    if (!io) return;
    const sockets = [...io.of('/').sockets.values()];
    await Promise.all(
      sockets.map(async (s) => {
        const u = (s.data as { user?: SocketUser }).user;
        if (u && (await this.presence.disconnect(u.id, s.id).catch(() => false))) this.notifier.presenceChanged(u.id);
      }),
    );
    await this.notifier.flush();
    await this.listeners.absent().catch(() => undefined);
    // Closing the engine only: Fastify closes the HTTP server itself. Only this process's sockets
    // (`local`): nothing to tell the others through Redis, which may be away.
    io.local.disconnectSockets(true);
    io.engine.close();
    this.pub?.disconnect();
    this.sub?.disconnect();
  }
}
