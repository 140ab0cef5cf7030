import { optionalString, parseJsonObject, requireHttpUrl, requireString } from '../core/control-input.util';
import { parseFaultSpec } from '../core/fault-script.registry';
import { SimInputError } from '../core/sim-errors';
import { jsonResponse } from '../core/sim-http.types';
import type { SimRouter } from '../core/sim-router';
import { parseMpInboundMessage } from './mp-inbound-xml.builder';
import type { MpSettingsPatch, MpSim } from './mp-sim';
import type { MpAccountType, MpMode } from './mp-sim.types';

function optionalBoolean(b: Record<string, unknown>, key: string): boolean | undefined {
  const v = b[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'boolean') throw new SimInputError(`${key} must be a boolean`);
  return v;
}

/** `/_sim/mp/*`: the HTTP control API (JSON bodies; bad input → 400/404 `{error, message}`). */
export function registerMpControlRoutes(router: SimRouter, sim: MpSim): void {
  router.add('POST', '/_sim/mp/accounts', (req) => {
    const b = parseJsonObject(req.body);
    const account = sim.addAccount({
      appId: requireString(b, 'appId'),
      appSecret: requireString(b, 'appSecret'),
      token: requireString(b, 'token'),
      encodingAesKey: optionalString(b, 'encodingAesKey'),
      mode: optionalString(b, 'mode') as MpMode | undefined,
      accountType: optionalString(b, 'accountType') as MpAccountType | undefined,
      verified: optionalBoolean(b, 'verified'),
      callbackUrl: b['callbackUrl'] === undefined ? undefined : requireHttpUrl(b, 'callbackUrl'),
      originalId: optionalString(b, 'originalId'),
    });
    return jsonResponse(201, { account });
  });

  router.add('GET', '/_sim/mp/accounts', () => jsonResponse(200, { accounts: sim.accounts() }));

  // `{mediaId, contentType, base64? | text?, fileName?, appId?}`: a file media/get serves.
  router.add('POST', '/_sim/mp/media', (req) => {
    const b = parseJsonObject(req.body);
    const base64 = optionalString(b, 'base64');
    const text = optionalString(b, 'text');
    if ((base64 === undefined) === (text === undefined)) throw new SimInputError('give the bytes as exactly one of base64 or text');
    const file = sim.addMedia(requireString(b, 'mediaId'), base64 !== undefined ? Buffer.from(base64, 'base64') : Buffer.from(text ?? '', 'utf8'), requireString(b, 'contentType'), {
      fileName: optionalString(b, 'fileName'),
      appId: optionalString(b, 'appId'),
    });
    return jsonResponse(201, { media: { mediaId: file.mediaId, contentType: file.contentType, fileName: file.fileName, size: file.bytes.length, appId: file.appId ?? null } });
  });

  router.add('POST', '/_sim/mp/user-message', async (req) => {
    const b = parseJsonObject(req.body);
    const record = await sim.userMessage(requireString(b, 'appId'), requireString(b, 'openId'), parseMpInboundMessage(b['message']), {
      callbackUrl: b['callbackUrl'] === undefined ? undefined : requireHttpUrl(b, 'callbackUrl'),
    });
    return jsonResponse(200, { callback: record });
  });

  router.add('POST', '/_sim/mp/scan', async (req) => {
    const b = parseJsonObject(req.body);
    const record = await sim.scan(requireString(b, 'appId'), requireString(b, 'openId'), requireString(b, 'ticket'), optionalBoolean(b, 'subscribed'));
    return jsonResponse(200, { callback: record });
  });

  router.add('POST', '/_sim/mp/verify-url', async (req) => {
    const b = parseJsonObject(req.body);
    const result = await sim.verifyUrl(requireString(b, 'appId'), b['url'] === undefined ? undefined : requireHttpUrl(b, 'url'));
    return jsonResponse(200, result);
  });

  const q = (req: { query: URLSearchParams }, k: string): string | undefined => req.query.get(k) ?? undefined;

  router.add('GET', '/_sim/mp/callbacks', (req) => jsonResponse(200, { callbacks: sim.callbacks(q(req, 'appId'), q(req, 'openId')) }));
  router.add('GET', '/_sim/mp/delivered', (req) => jsonResponse(200, { messages: sim.delivered(q(req, 'appId'), q(req, 'openId')) }));
  router.add('GET', '/_sim/mp/transcript', (req) => {
    const appId = q(req, 'appId');
    const openId = q(req, 'openId');
    if (!appId || !openId) throw new SimInputError('appId and openId query parameters are required');
    return jsonResponse(200, { transcript: sim.transcript(appId, openId), window: sim.window(appId, openId) ?? null });
  });

  // The account's custom menu as menu/create left it (null: none).
  router.add('GET', '/_sim/mp/menu', (req) => jsonResponse(200, { menu: sim.menu(q(req, 'appId') ?? '') ?? null }));
  router.add('GET', '/_sim/mp/calls', (req) => jsonResponse(200, { calls: sim.calls(q(req, 'api')) }));

  router.add('POST', '/_sim/mp/faults', (req) => {
    sim.script(parseFaultSpec(parseJsonObject(req.body)));
    return jsonResponse(201, { faults: sim.faults() });
  });
  router.add('GET', '/_sim/mp/faults', () => jsonResponse(200, { faults: sim.faults() }));
  router.add('DELETE', '/_sim/mp/faults', (req) => {
    sim.clearScripts(q(req, 'api'));
    return jsonResponse(200, { faults: sim.faults() });
  });

  router.add('POST', '/_sim/mp/ip-whitelist', (req) => {
    const b = parseJsonObject(req.body);
    const appId = requireString(b, 'appId');
    const block = optionalBoolean(b, 'block') ?? true;
    if (block) sim.setIpWhitelistBlock(appId, optionalString(b, 'ip') ?? '');
    else sim.clearIpWhitelistBlock(appId);
    return jsonResponse(200, { appId, block });
  });

  router.add('POST', '/_sim/mp/revoke', (req) => {
    const appId = requireString(parseJsonObject(req.body), 'appId');
    return jsonResponse(200, { appId, affected: sim.revokeTokens(appId) });
  });

  router.add('POST', '/_sim/mp/clock', (req) => {
    const b = parseJsonObject(req.body);
    const s = b['advanceSeconds'];
    if (typeof s !== 'number') throw new SimInputError('advanceSeconds must be a number >= 0');
    sim.advanceClock(s);
    return jsonResponse(200, { now: new Date(sim.now()).toISOString() });
  });

  router.add('POST', '/_sim/mp/settings', (req) => jsonResponse(200, { settings: sim.configure(parseJsonObject(req.body) as MpSettingsPatch) }));
  router.add('GET', '/_sim/mp/settings', () => jsonResponse(200, { settings: sim.settings() }));
}
