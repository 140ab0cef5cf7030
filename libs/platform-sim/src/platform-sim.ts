import { jsonResponse } from './core/sim-http.types';
import { SimRouter } from './core/sim-router';
import { startSimServer } from './core/sim-server';
import { ChatSim } from './chat/chat-sim';
import { WecomSim } from './wecom/wecom-sim';
import { KfSim } from './wecom-kf/kf-sim';
import { MpSim } from './mp/mp-sim';
import { shareMpRoutes } from './mp/mp-shared-routes';

/** The platforms the simulator plays (`GET /_sim/health`). */
export const SIM_PLATFORMS = ['wecom', 'wecom-kf', 'mp'] as const;

export interface PlatformSimOptions {
  /** 0 (default) = a random free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
}

export interface PlatformSim {
  /** Base URL, e.g. `http://127.0.0.1:39123`; point every platform's API base URL here. */
  readonly url: string;
  readonly wecom: WecomSim;
  /** 微信客服 (WeCom customer service) accounts, message logs, sessions; auth/crypto via `wecom`. */
  readonly kf: KfSim;
  /** 公众号 (WeChat Official Account): tokens, customer-service messages, callbacks, menus, QR codes. */
  readonly mp: MpSim;
  /** The chat page (`GET /chat`): a person plays a WeCom user talking to a registered app. */
  readonly chat: ChatSim;
  /** Forgets all state of every platform (apps, tokens, messages, calls, faults, ...). */
  reset(): void;
  close(): Promise<void>;
}

/** Starts the simulator. Platforms are siblings under src/: wecom, wecom-kf (kf) and mp now; dingtalk, feishu later. */
export async function startPlatformSim(opts: PlatformSimOptions = {}): Promise<PlatformSim> {
  const router = new SimRouter();
  const wecom = new WecomSim();
  const chat = new ChatSim(wecom);
  const kf = new KfSim(wecom);
  kf.register(router);
  const mp = new MpSim();
  mp.register(router);
  // The chat page learns apps and their callback URLs from the WeCom control routes; `/cgi-bin/media/get`
  // is shared with MP (an MP access token goes to the MP handler).
  wecom.register(chat.observe(shareMpRoutes(router, mp)));
  chat.register(router);

  const reset = (): void => {
    wecom.reset();
    chat.reset();
    kf.reset();
    mp.reset();
  };
  router.add('GET', '/_sim/health', () => jsonResponse(200, { ok: true, platforms: [...SIM_PLATFORMS] }));
  router.add('POST', '/_sim/reset', () => {
    reset();
    return jsonResponse(200, { ok: true });
  });

  const server = await startSimServer(router, { port: opts.port ?? 0, host: opts.host ?? '127.0.0.1' });
  return { url: server.url, wecom, chat, kf, mp, reset, close: () => server.close() };
}
