import type { CallbackContext, CallbackHandler, CallbackOutcome, CallbackRequest } from '@imbridge/platform-core';
import { answerMpServerVerification, MP_CALLBACK_ACK, openMpCallback } from './mp.callback';
import { readMpConfig } from './mp.descriptor';
import { normalizeMpCallbackXml } from './mp.normalize';

/**
 * 公众号 callbacks in plain, compatible and safe mode (wecom-mp.md §1.5, §2).
 * GET: server-config verification, answered with the echostr as is.
 * POST: verified (and decrypted) message/event, acknowledged with `success` once stored; the answer
 * goes out through the customer-service API, or as a passive reply built with mpPassiveReplyHttp.
 * Every refusal is a CallbackRejected with its reason, like the WeCom handlers.
 */
export class MpCallbackHandler implements CallbackHandler {
  handle(req: CallbackRequest, ctx: CallbackContext): CallbackOutcome {
    const cfg = readMpConfig(ctx.config);
    if (req.method === 'GET') return answerMpServerVerification(req, ctx, cfg);
    const opened = openMpCallback(req, ctx, cfg);
    const event = normalizeMpCallbackXml(opened.xml);
    return { kind: 'events', events: [event], reply: MP_CALLBACK_ACK, diagnostic: `${opened.mode}:${event.message.type}` };
  }
}
