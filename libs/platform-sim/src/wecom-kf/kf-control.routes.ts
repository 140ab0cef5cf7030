import { asObject, optionalInt, optionalString, parseJsonObject, requireHttpUrl, requireString, type JsonObject } from '../core/control-input.util';
import { parseFaultSpec } from '../core/fault-script.registry';
import { SimInputError } from '../core/sim-errors';
import { jsonResponse } from '../core/sim-http.types';
import type { SimRouter } from '../core/sim-router';
import type { KfCallbackMode, KfCustomerMessage, KfSimSettings } from './kf-sim.types';
import type { KfSim } from './kf-sim';

const MODES: readonly KfCallbackMode[] = ['normal', 'duplicate', 'hold', 'none'];
/** Polled by the chat page: never cached. */
const NO_STORE = { 'cache-control': 'no-store' };

function requireQuery(q: URLSearchParams, key: string): string {
  const v = q.get(key);
  if (!v) throw new SimInputError(`query parameter ${key} is required`);
  return v;
}

const MESSAGE_TYPES = ['text', 'image', 'voice', 'video', 'file', 'location', 'link', 'business_card', 'miniprogram', 'enter_session'] as const;

function optionalBoolean(m: JsonObject, key: string, what: string): boolean | undefined {
  const v = m[key];
  if (v !== undefined && typeof v !== 'boolean') throw new SimInputError(`${what} must be a boolean`);
  return v;
}

function requireCoordinate(m: JsonObject, key: 'latitude' | 'longitude'): number {
  const v = m[key];
  const limit = key === 'latitude' ? 90 : 180;
  if (typeof v !== 'number' || !Number.isFinite(v) || Math.abs(v) > limit) throw new SimInputError(`message.${key} must be a number between -${limit} and ${limit}`);
  return v;
}

/** Drops undefined fields so the message object only carries what was given. */
function defined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

function parseCustomerMessage(value: unknown): KfCustomerMessage {
  const m = asObject(value, 'message');
  const type = m['type'];
  const opt = (key: string): string | undefined => optionalString(m, key, `message.${key}`);
  const req = (key: string): string => requireString(m, key, `message.${key}`);
  switch (type) {
    case 'text':
      return defined({ type, content: req('content'), menuId: opt('menuId') });
    case 'image':
      return defined({ type, mediaId: opt('mediaId') });
    case 'voice':
    case 'video':
      return { type };
    case 'file': {
      const fileName = opt('fileName');
      if (fileName !== undefined && (fileName.length === 0 || fileName.length > 128 || /[\\/]/.test(fileName) || [...fileName].some((c) => c.charCodeAt(0) < 0x20))) {
        throw new SimInputError('message.fileName must be 1..128 characters without slashes or control characters');
      }
      return defined({ type, fileName });
    }
    case 'location':
      return defined({ type, latitude: requireCoordinate(m, 'latitude'), longitude: requireCoordinate(m, 'longitude'), name: opt('name'), address: opt('address') });
    case 'link':
      return defined({ type, title: req('title'), desc: opt('desc'), url: requireHttpUrl(m, 'url'), picUrl: opt('picUrl') });
    case 'business_card':
      return { type, userid: req('userid') };
    case 'miniprogram':
      return defined({ type, appid: req('appid'), title: opt('title'), pagepath: opt('pagepath'), thumbMediaId: opt('thumbMediaId') });
    case 'enter_session':
      return defined({ type, scene: opt('scene'), sceneParam: opt('sceneParam'), welcome: optionalBoolean(m, 'welcome', 'message.welcome') });
    default:
      throw new SimInputError(`message.type must be one of ${MESSAGE_TYPES.join(', ')}`);
  }
}

function parseCallbackMode(b: JsonObject, key: string): KfCallbackMode | undefined {
  const v = b[key];
  if (v !== undefined && !(MODES as readonly unknown[]).includes(v)) throw new SimInputError(`${key} must be one of ${MODES.join(', ')}`);
  return v as KfCallbackMode | undefined;
}

function parseSettings(b: JsonObject): Partial<KfSimSettings> {
  const out: Partial<KfSimSettings> = {};
  if (b['duplicateMsgid'] !== undefined) {
    if (b['duplicateMsgid'] !== 'idempotent' && b['duplicateMsgid'] !== 'error') throw new SimInputError("duplicateMsgid must be 'idempotent' or 'error'");
    out.duplicateMsgid = b['duplicateMsgid'];
  }
  if (b['quotaMode'] !== undefined) {
    if (b['quotaMode'] !== 'reject' && b['quotaMode'] !== 'accept') throw new SimInputError("quotaMode must be 'reject' or 'accept'");
    out.quotaMode = b['quotaMode'];
  }
  if (b['syncWithoutToken'] !== undefined) {
    const s = asObject(b['syncWithoutToken'], 'syncWithoutToken');
    const max = optionalInt(s, 'max', { min: 0, max: 1_000_000 }, 'syncWithoutToken.max');
    const windowMs = optionalInt(s, 'windowMs', { min: 1, max: 86_400_000 }, 'syncWithoutToken.windowMs');
    if (max === undefined || windowMs === undefined) throw new SimInputError('syncWithoutToken needs max and windowMs');
    out.syncWithoutToken = { max, windowMs };
  }
  return out;
}

/** `/_sim/kf/*`: the HTTP control API of the 微信客服 simulator (JSON; bad input → 400/404 `{error, message}`). */
export function registerKfControlRoutes(router: SimRouter, sim: KfSim): void {
  router.add('POST', '/_sim/kf/accounts', (req) => {
    const b = parseJsonObject(req.body);
    const account = sim.addAccount({ corpId: requireString(b, 'corpId'), name: requireString(b, 'name'), openKfid: optionalString(b, 'openKfid') });
    return jsonResponse(201, { account });
  });

  router.add('GET', '/_sim/kf/accounts', (req) => jsonResponse(200, { accounts: sim.accounts(req.query.get('corpId') || undefined) }, NO_STORE));

  router.add('POST', '/_sim/kf/customers', (req) => {
    const b = parseJsonObject(req.body);
    const gender = b['gender'];
    if (gender !== undefined && gender !== 0 && gender !== 1 && gender !== 2) throw new SimInputError('gender must be 0, 1 or 2');
    const profile = sim.setCustomerProfile(requireString(b, 'externalUserId'), {
      ...(optionalString(b, 'nickname') !== undefined ? { nickname: optionalString(b, 'nickname') } : {}),
      ...(optionalString(b, 'avatar') !== undefined ? { avatar: optionalString(b, 'avatar') } : {}),
      ...(gender !== undefined ? { gender: gender as 0 | 1 | 2 } : {}),
    });
    return jsonResponse(200, { profile });
  });

  router.add('POST', '/_sim/kf/servicers', async (req) => {
    const b = parseJsonObject(req.body);
    const status = b['status'] ?? 0;
    if (status !== 0 && status !== 1) throw new SimInputError('status must be 0 (receiving) or 1 (stopped)');
    return jsonResponse(200, await sim.updateServicer(requireString(b, 'openKfid'), requireString(b, 'userid'), status));
  });

  router.add('POST', '/_sim/kf/callback', (req) => {
    const b = parseJsonObject(req.body);
    const corpId = requireString(b, 'corpId');
    const mode = b['mode'] ?? 'normal';
    if (!(MODES as readonly unknown[]).includes(mode)) throw new SimInputError(`mode must be one of ${MODES.join(', ')}`);
    sim.setCallback(corpId, b['url'] === null ? null : requireHttpUrl(b, 'url'), mode as KfCallbackMode);
    return jsonResponse(200, { corpId, url: b['url'] ?? null, mode });
  });

  router.add('GET', '/_sim/kf/callback', (req) => {
    const corpId = requireQuery(req.query, 'corpId');
    const target = sim.callbackTarget(corpId);
    return jsonResponse(200, { corpId, url: target?.url ?? null, mode: target?.mode ?? null }, NO_STORE);
  });

  router.add('POST', '/_sim/kf/customer-message', async (req) => {
    const b = parseJsonObject(req.body);
    const callbackMode = parseCallbackMode(b, 'callback');
    const result = await sim.customerSends(requireString(b, 'openKfid'), requireString(b, 'externalUserId'), parseCustomerMessage(b['message']), {
      sendTime: optionalInt(b, 'sendTime', { min: 0 }),
      callbackMode,
    });
    return jsonResponse(200, result);
  });

  router.add('POST', '/_sim/kf/recall', async (req) => {
    const b = parseJsonObject(req.body);
    const callbackMode = parseCallbackMode(b, 'callback');
    return jsonResponse(200, await sim.recall(requireString(b, 'openKfid'), requireString(b, 'externalUserId'), requireString(b, 'msgid'), { callbackMode }));
  });

  router.add('POST', '/_sim/kf/open-link', async (req) => {
    const b = parseJsonObject(req.body);
    const callbackMode = parseCallbackMode(b, 'callback');
    const welcome = optionalBoolean(b, 'welcome', 'welcome');
    const result = await sim.openLink(defined({ url: requireString(b, 'url'), externalUserId: requireString(b, 'externalUserId'), welcome, callbackMode }));
    return jsonResponse(200, result);
  });

  router.add('GET', '/_sim/kf/links', (req) => jsonResponse(200, { links: sim.links(req.query.get('openKfid') || undefined) }, NO_STORE));

  router.add('GET', '/_sim/kf/conversation', (req) => {
    const openKfid = requireQuery(req.query, 'openKfid');
    const externalUserId = requireQuery(req.query, 'externalUserId');
    return jsonResponse(200, { entries: sim.conversation(openKfid, externalUserId), session: sim.session(openKfid, externalUserId) }, NO_STORE);
  });

  router.add('POST', '/_sim/kf/servicer-message', async (req) => {
    const b = parseJsonObject(req.body);
    const result = await sim.servicerSends(requireString(b, 'openKfid'), requireString(b, 'externalUserId'), requireString(b, 'servicerUserId'), requireString(b, 'content'));
    return jsonResponse(200, result);
  });

  router.add('POST', '/_sim/kf/callbacks/flush', async (req) => {
    const b = req.body.length === 0 ? {} : parseJsonObject(req.body);
    const order = b['order'] ?? 'fifo';
    if (order !== 'fifo' && order !== 'reverse') throw new SimInputError("order must be 'fifo' or 'reverse'");
    return jsonResponse(200, { callbacks: await sim.flushCallbacks(order) });
  });

  router.add('GET', '/_sim/kf/callbacks', () => jsonResponse(200, { callbacks: sim.callbacks(), held: sim.heldCallbacks() }));

  router.add('GET', '/_sim/kf/log', (req) => jsonResponse(200, { entries: sim.log(requireQuery(req.query, 'openKfid')) }));

  router.add('GET', '/_sim/kf/delivered', (req) =>
    jsonResponse(200, { messages: sim.delivered({ openKfid: req.query.get('openKfid') ?? undefined, externalUserId: req.query.get('externalUserId') ?? undefined }) }),
  );

  router.add('GET', '/_sim/kf/session', (req) =>
    jsonResponse(200, { session: sim.session(requireQuery(req.query, 'openKfid'), requireQuery(req.query, 'externalUserId')) }, NO_STORE),
  );

  router.add('POST', '/_sim/kf/empty-pages', (req) => {
    const b = parseJsonObject(req.body);
    const count = optionalInt(b, 'count', { min: 1, max: 1000 }) ?? 1;
    sim.queueEmptyPages(requireString(b, 'openKfid'), count);
    return jsonResponse(200, { ok: true });
  });

  router.add('POST', '/_sim/kf/clock', (req) => {
    const b = parseJsonObject(req.body);
    const advanceMs = optionalInt(b, 'advanceMs', { min: 0 });
    if (advanceMs === undefined) throw new SimInputError('advanceMs is required');
    return jsonResponse(200, { now: sim.advanceClock(advanceMs) });
  });

  router.add('POST', '/_sim/kf/settings', (req) => jsonResponse(200, { settings: sim.configure(parseSettings(parseJsonObject(req.body))) }));

  router.add('GET', '/_sim/kf/calls', (req) => jsonResponse(200, { calls: sim.calls(req.query.get('api') ?? undefined) }));

  router.add('POST', '/_sim/kf/faults', (req) => {
    sim.script(parseFaultSpec(parseJsonObject(req.body)));
    return jsonResponse(201, { faults: sim.faults() });
  });

  router.add('DELETE', '/_sim/kf/faults', (req) => {
    sim.clearScripts(req.query.get('api') ?? undefined);
    return jsonResponse(200, { faults: sim.faults() });
  });
}
