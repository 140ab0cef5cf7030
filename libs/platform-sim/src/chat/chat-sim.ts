import { SimInputError } from '../core/sim-errors';
import { SimRouter } from '../core/sim-router';
import type { SimHandler, SimRequest, SimResponse } from '../core/sim-http.types';
import { readXmlElement } from '../core/xml.util';
import type { WecomSentMessage } from '../wecom/wecom-sim.types';
import type { WecomSim } from '../wecom/wecom-sim';
import { registerChatRoutes } from './chat-control.routes';
import type { ChatAppView, ChatDelivery, ChatEntry } from './chat-sim.types';
import { toChatEntry } from './chat-transcript.mapper';

/** Most user messages remembered (oldest dropped first); the page is for people, not load tests. */
export const CHAT_MAX_USER_MESSAGES = 5000;

/** WeCom user ids: letters, digits and `_-.@`, 1..64 characters. */
export const CHAT_USER_ID = /^[A-Za-z0-9_.@-]{1,64}$/;

/** A user message is capped like WeCom's composer caps it (characters, not bytes). */
export const CHAT_MAX_TEXT_CHARS = 2000;

interface UserMessage {
  seq: number;
  corpId: string;
  agentId: number;
  userId: string;
  entry: ChatEntry;
}

export interface ChatSendInput {
  corpId: string;
  agentId?: number | string;
  userId: string;
  displayName?: string;
  text: string;
}

export interface ChatSendResult {
  entry: ChatEntry;
  /** What the gateway answered inline (a passive reply), shown as an app message. */
  passiveReply?: ChatEntry;
}

/** The WeCom control routes that tell the chat page about apps and their callback URLs. */
const WATCHED_PATHS: ReadonlySet<string> = new Set(['/_sim/wecom/apps', '/_sim/wecom/verify-url', '/_sim/wecom/push']);

const appKey = (corpId: string, agentId: number): string => `${corpId}\u0000${agentId}`;

/**
 * The chat page's side of the simulator: a person plays a WeCom member talking to one of the
 * registered apps. Messages go to the gateway as signed, encrypted callbacks (the WeCom client);
 * the transcript merges what the person sent with what the gateway sent via message/send.
 *
 * The WeCom module does not know where an app's callbacks go (real WeCom learns it when the admin
 * saves the URL and it passes verification), so this class learns it the same way: it watches the
 * `/_sim/wecom/*` control routes for successful URL verifications and pushes (see `observe`).
 */
export class ChatSim {
  private readonly apps = new Map<string, ChatAppView>();
  private readonly messages: UserMessage[] = [];
  private seq = 0;

  constructor(private readonly wecom: WecomSim) {}

  /**
   * A router to register the WeCom module on: routes land on `router` unchanged, except that
   * app registrations, URL verifications and pushes are watched to learn apps and callback URLs.
   */
  observe(router: SimRouter): SimRouter {
    return new ObservingRouter(router, WATCHED_PATHS, (req, res) => this.learn(req, res));
  }

  /** Mounts `GET /chat` (the page) and the `/_sim/chat/*` routes the page calls. */
  register(router: SimRouter): void {
    registerChatRoutes(router, this);
  }

  /** Apps known to the chat page that are still registered in the WeCom simulator. */
  listApps(): ChatAppView[] {
    return [...this.apps.values()].filter((a) => this.wecom.getApp(a.corpId, a.agentId) !== undefined).map((a) => ({ ...a }));
  }

  /** Tells the chat page where an app's callbacks go (apps added in-process are not seen otherwise). */
  setCallbackUrl(corpId: string, agentId: number | string | undefined, callbackUrl: string): ChatAppView {
    const app = this.wecom.getApp(corpId, agentId);
    if (!app) throw new SimInputError(`no WeCom app ${corpId}/${agentId ?? '(first)'} is registered`, { status: 404, code: 'unknown_app' });
    const view: ChatAppView = { corpId: app.corpId, agentId: app.agentId, callbackUrl };
    this.apps.set(appKey(app.corpId, app.agentId), view);
    return { ...view };
  }

  /** Sends the person's text to the gateway as a WeCom text callback and remembers it. */
  async send(input: ChatSendInput): Promise<ChatSendResult> {
    if (!CHAT_USER_ID.test(input.userId)) throw new SimInputError('userId must be 1-64 letters, digits or _-.@');
    if (input.text.trim().length === 0) throw new SimInputError('text must not be empty');
    if ([...input.text].length > CHAT_MAX_TEXT_CHARS) throw new SimInputError(`text must be at most ${CHAT_MAX_TEXT_CHARS} characters`);
    const app = this.wecom.getApp(input.corpId, input.agentId);
    if (!app) throw new SimInputError(`no WeCom app ${input.corpId}/${input.agentId ?? '(first)'} is registered`, { status: 404, code: 'unknown_app' });
    const callbackUrl = this.apps.get(appKey(app.corpId, app.agentId))?.callbackUrl;
    if (!callbackUrl) {
      throw new SimInputError('the callback URL of this app is not known yet: verify the URL (/_sim/wecom/verify-url) or set it on the chat page', {
        status: 409,
        code: 'no_callback_url',
      });
    }

    const entry: ChatEntry = {
      id: `u${++this.seq}`,
      from: 'user',
      at: new Date().toISOString(),
      kind: 'text',
      msgtype: 'text',
      text: input.text,
      ...(input.displayName ? { displayName: input.displayName } : {}),
    };
    this.messages.push({ seq: this.seq, corpId: app.corpId, agentId: app.agentId, userId: input.userId, entry });
    if (this.messages.length > CHAT_MAX_USER_MESSAGES) this.messages.splice(0, this.messages.length - CHAT_MAX_USER_MESSAGES);

    // One delivery (no WeCom re-delivery loop): a person at the page wants to see a failure at once.
    const pushed = await this.wecom.client.push(callbackUrl, app.corpId, { type: 'text', fromUser: input.userId, content: input.text }, { agentId: app.agentId });
    const r = pushed.responses[0];
    const delivery: ChatDelivery = { status: r.status, durationMs: r.durationMs, ...(r.error ? { error: r.error } : {}) };
    entry.delivery = delivery;
    const passiveReply = r.status === 200 ? this.openPassiveReply(app.corpId, app.agentId, r.body, entry.id) : undefined;
    if (passiveReply) {
      this.messages.push({ seq: ++this.seq, corpId: app.corpId, agentId: app.agentId, userId: input.userId, entry: passiveReply });
    }
    return { entry: { ...entry }, ...(passiveReply ? { passiveReply } : {}) };
  }

  /** What the user sent and every message the app sent to the user, oldest first. */
  transcript(corpId: string, agentId: number | string | undefined, userId: string): ChatEntry[] {
    const app = this.wecom.getApp(corpId, agentId);
    if (!app) return [];
    const mine = this.messages.filter((m) => m.corpId === app.corpId && m.agentId === app.agentId && m.userId === userId).map((m) => ({ ...m.entry }));
    const sent = this.wecom
      .sentMessages(app.corpId)
      .filter((m) => m.agentId === app.agentId && addressedTo(m, userId))
      .map(toChatEntry);
    // Stable merge by time: equal timestamps keep user-before-app order of arrival.
    return [...mine, ...sent].map((e, i) => ({ e, i })).sort((a, b) => a.e.at.localeCompare(b.e.at) || a.i - b.i).map((x) => x.e);
  }

  /** Image bytes the app sent (media_id of an image message), for the page's <img>. */
  image(mediaId: string): { bytes: Buffer; contentType: string } | undefined {
    const media = this.wecom.media(mediaId);
    if (!media || !/^image\/(png|jpeg|gif|webp)$/i.test(media.contentType)) return undefined;
    return { bytes: media.bytes, contentType: media.contentType.toLowerCase() };
  }

  reset(): void {
    this.apps.clear();
    this.messages.length = 0;
    this.seq = 0;
  }

  /** Learns apps and callback URLs from the WeCom control routes' successful answers. */
  private learn(req: SimRequest, res: SimResponse): void {
    if (req.method !== 'POST' || res.status < 200 || res.status >= 300) return;
    const reqBody = parseJson(req.body);
    const resBody = parseJson(res.body);
    if (!reqBody || !resBody) return;
    if (req.path === '/_sim/wecom/apps') {
      const app = resBody['app'] as { corpId?: unknown; agentId?: unknown } | undefined;
      if (typeof app?.corpId !== 'string' || typeof app.agentId !== 'number') return;
      const key = appKey(app.corpId, app.agentId);
      this.apps.set(key, { corpId: app.corpId, agentId: app.agentId, callbackUrl: this.apps.get(key)?.callbackUrl ?? null });
      return;
    }
    const callbackUrl = reqBody['callbackUrl'];
    const corpId = reqBody['corpId'];
    if (typeof callbackUrl !== 'string' || typeof corpId !== 'string') return;
    const agentId = typeof reqBody['agentId'] === 'number' || typeof reqBody['agentId'] === 'string' ? reqBody['agentId'] : undefined;
    let accepted = false;
    if (req.path === '/_sim/wecom/verify-url') {
      accepted = resBody['status'] === 200 && resBody['body'] === resBody['expected'];
    } else if (req.path === '/_sim/wecom/push') {
      accepted = Array.isArray(resBody['responses']) && resBody['responses'].some((r: { status?: unknown }) => r?.status === 200);
    }
    if (!accepted) return;
    const app = this.wecom.getApp(corpId, agentId);
    if (app) this.apps.set(appKey(app.corpId, app.agentId), { corpId: app.corpId, agentId: app.agentId, callbackUrl });
  }

  /** A gateway may answer a callback with an encrypted passive reply; show its text like a sent message. */
  private openPassiveReply(corpId: string, agentId: number, body: string, afterId: string): ChatEntry | undefined {
    if (!body.includes('<Encrypt>')) return undefined;
    try {
      const { xml } = this.wecom.client.decryptPassiveReply(corpId, body, { agentId });
      const msgtype = readXmlElement(xml, 'MsgType') ?? 'text';
      const text = readXmlElement(xml, 'Content') ?? readXmlElement(xml, 'Title') ?? xml;
      return { id: `p${afterId}`, from: 'app', at: new Date().toISOString(), kind: msgtype === 'text' ? 'text' : 'other', msgtype, text };
    } catch {
      // Not a reply the sim can open: the raw answer is still visible as the delivery status.
      return undefined;
    }
  }
}

function addressedTo(m: WecomSentMessage, userId: string): boolean {
  const touser = m.body['touser'];
  if (typeof touser !== 'string') return false;
  return touser === '@all' || touser.split('|').includes(userId);
}

function parseJson(body: string | Buffer | undefined): Record<string, unknown> | undefined {
  if (body === undefined || body.length === 0) return undefined;
  try {
    const v: unknown = JSON.parse(body.toString());
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** Registers on `inner`, wrapping the handlers of `paths` so `tap` sees each request with its answer. */
class ObservingRouter extends SimRouter {
  constructor(
    private readonly inner: SimRouter,
    private readonly paths: ReadonlySet<string>,
    private readonly tap: (req: SimRequest, res: SimResponse) => void,
  ) {
    super();
  }

  override add(method: string, path: string, handler: SimHandler): this {
    if (!this.paths.has(path)) {
      this.inner.add(method, path, handler);
      return this;
    }
    this.inner.add(method, path, async (req) => {
      const res = await handler(req);
      this.tap(req, res);
      return res;
    });
    return this;
  }

  override match(method: string, path: string): ReturnType<SimRouter['match']> {
    return this.inner.match(method, path);
  }
}
