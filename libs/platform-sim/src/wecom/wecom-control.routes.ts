import {
  optionalInt,
  optionalString,
  parseJsonObject,
  requireHttpUrl,
  requireNumberish,
  requireString,
} from '../core/control-input.util';
import { parseFaultSpec } from '../core/fault-script.registry';
import { SimInputError } from '../core/sim-errors';
import { jsonResponse } from '../core/sim-http.types';
import type { SimRouter } from '../core/sim-router';
import { parseInboundMessage } from './wecom-inbound-xml.builder';
import type { WecomMediaType } from './wecom-sim.types';
import type { WecomSim } from './wecom-sim';

const MEDIA_TYPES: readonly WecomMediaType[] = ['image', 'voice', 'video', 'file'];

/**
 * `/_sim/wecom/*`: the HTTP control API for out-of-process use (demo, end-to-end runs).
 * Bodies are JSON objects; bad input answers 400/404 JSON `{error, message}`.
 */
export function registerWecomControlRoutes(router: SimRouter, sim: WecomSim): void {
  router.add('POST', '/_sim/wecom/apps', (req) => {
    const b = parseJsonObject(req.body);
    const app = sim.addApp({
      corpId: requireString(b, 'corpId'),
      agentId: requireNumberish(b, 'agentId'),
      secret: requireString(b, 'secret'),
      token: optionalString(b, 'token'),
      encodingAesKey: optionalString(b, 'encodingAesKey'),
      tokenTtlSeconds: optionalInt(b, 'tokenTtlSeconds', { min: 1 }),
    });
    return jsonResponse(201, { app });
  });

  router.add('GET', '/_sim/wecom/messages', (req) => jsonResponse(200, { messages: sim.sentMessages(req.query.get('corpId') ?? undefined) }));

  // Sends message/send accepted but did not deliver (duplicates under enable_duplicate_check).
  router.add('GET', '/_sim/wecom/suppressed', (req) => jsonResponse(200, { messages: sim.suppressedMessages(req.query.get('corpId') ?? undefined) }));

  router.add('GET', '/_sim/wecom/calls', (req) => jsonResponse(200, { calls: sim.calls(req.query.get('api') ?? undefined) }));

  router.add('POST', '/_sim/wecom/faults', (req) => {
    sim.script(parseFaultSpec(parseJsonObject(req.body)));
    return jsonResponse(201, { faults: sim.faults() });
  });

  router.add('GET', '/_sim/wecom/faults', () => jsonResponse(200, { faults: sim.faults() }));

  router.add('DELETE', '/_sim/wecom/faults', (req) => {
    sim.clearScripts(req.query.get('api') ?? undefined);
    return jsonResponse(200, { faults: sim.faults() });
  });

  router.add('POST', '/_sim/wecom/revoke', (req) => {
    const b = parseJsonObject(req.body);
    const corpId = requireString(b, 'corpId');
    const mode = b['mode'] ?? 'revoke';
    if (mode !== 'revoke' && mode !== 'expire') throw new SimInputError("mode must be 'revoke' or 'expire'");
    const affected = mode === 'revoke' ? sim.revokeTokens(corpId) : sim.expireTokens(corpId);
    return jsonResponse(200, { corpId, mode, affected });
  });

  router.add('POST', '/_sim/wecom/trusted-ip', (req) => {
    const b = parseJsonObject(req.body);
    const corpId = requireString(b, 'corpId');
    if (b['ip'] === null || b['ip'] === undefined) sim.clearTrustedIpCheck(corpId);
    else sim.setTrustedIpCheck(corpId, requireString(b, 'ip'));
    return jsonResponse(200, { corpId, ip: b['ip'] ?? null });
  });

  router.add('POST', '/_sim/wecom/media', (req) => {
    const b = parseJsonObject(req.body);
    const corpId = requireString(b, 'corpId');
    const base64 = requireString(b, 'base64');
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(base64)) throw new SimInputError('base64 must be standard base64');
    const type = optionalString(b, 'type');
    if (type !== undefined && !(MEDIA_TYPES as readonly string[]).includes(type)) throw new SimInputError(`type must be one of ${MEDIA_TYPES.join(', ')}`);
    const mediaId = sim.addMedia(corpId, {
      bytes: Buffer.from(base64, 'base64'),
      contentType: requireString(b, 'contentType'),
      fileName: requireString(b, 'fileName'),
      type: type as WecomMediaType | undefined,
    });
    return jsonResponse(201, { mediaId });
  });

  router.add('POST', '/_sim/wecom/settings', (req) => {
    const b = parseJsonObject(req.body);
    const textOverLimit = b['textOverLimit'];
    if (textOverLimit !== undefined && textOverLimit !== 'reject' && textOverLimit !== 'truncate') {
      throw new SimInputError("textOverLimit must be 'reject' or 'truncate'");
    }
    const errmsgHints = b['errmsgHints'];
    if (errmsgHints !== undefined && typeof errmsgHints !== 'boolean') throw new SimInputError('errmsgHints must be a boolean');
    sim.configure({ textOverLimit, errmsgHints });
    return jsonResponse(200, { settings: sim.settings() });
  });

  router.add('POST', '/_sim/wecom/push', async (req) => {
    const b = parseJsonObject(req.body);
    const callbackUrl = requireHttpUrl(b, 'callbackUrl');
    const corpId = requireString(b, 'corpId');
    const message = parseInboundMessage(b['message']);
    const common = {
      timestamp: optionalString(b, 'timestamp'),
      nonce: optionalString(b, 'nonce'),
      agentId: b['agentId'] === undefined ? undefined : requireNumberish(b, 'agentId'),
      timeoutMs: optionalInt(b, 'timeoutMs', { min: 1, max: 600_000 }),
    };
    if (b['retry'] !== undefined && typeof b['retry'] !== 'boolean') throw new SimInputError('retry must be a boolean');
    const result =
      b['retry'] === true
        ? await sim.client.pushWithRetries(callbackUrl, corpId, message, { ...common, maxDeliveries: optionalInt(b, 'maxDeliveries', { min: 1, max: 100 }) })
        : await sim.client.push(callbackUrl, corpId, message, { ...common, deliveries: optionalInt(b, 'deliveries', { min: 1, max: 100 }) });
    return jsonResponse(200, result);
  });

  router.add('POST', '/_sim/wecom/verify-url', async (req) => {
    const b = parseJsonObject(req.body);
    const result = await sim.client.verifyUrl(requireHttpUrl(b, 'callbackUrl'), requireString(b, 'corpId'), {
      agentId: b['agentId'] === undefined ? undefined : requireNumberish(b, 'agentId'),
      timeoutMs: optionalInt(b, 'timeoutMs', { min: 1, max: 600_000 }),
    });
    return jsonResponse(200, result);
  });

  router.add('POST', '/_sim/wecom/decrypt-reply', (req) => {
    const b = parseJsonObject(req.body);
    const body = b['body'];
    if (typeof body !== 'string') throw new SimInputError('body must be a string');
    try {
      return jsonResponse(200, sim.client.decryptPassiveReply(requireString(b, 'corpId'), body));
    } catch (err) {
      if (err instanceof SimInputError) throw err;
      throw new SimInputError(err instanceof Error ? err.message : String(err), { status: 422, code: 'bad_reply' });
    }
  });
}
