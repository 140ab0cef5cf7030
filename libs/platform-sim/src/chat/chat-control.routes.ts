import { randomBytes } from 'node:crypto';
import { optionalString, parseJsonObject, requireHttpUrl, requireNumberish, requireString } from '../core/control-input.util';
import { SimInputError } from '../core/sim-errors';
import { jsonResponse, simErrorResponse } from '../core/sim-http.types';
import type { SimRouter } from '../core/sim-router';
import { CHAT_FAVICON_SVG, renderChatPage } from './chat-page.html';
import type { ChatSim } from './chat-sim';

/** Display names are for the page only (WeCom callbacks carry the user id); keep them short. */
const MAX_DISPLAY_NAME_CHARS = 64;

/**
 * The chat page and what it calls:
 * - `GET /chat` (and `/chat/`): the page (self-contained HTML under a strict, nonce-based CSP), and its icon;
 * - `GET /_sim/chat/apps` → `{apps: [{corpId, agentId, callbackUrl|null}]}`;
 * - `PUT /_sim/chat/apps {corpId, agentId, callbackUrl}` → `{app}`: where that app's callbacks go;
 * - `POST /_sim/chat/send {corpId, agentId, userId, displayName?, text}` → `{entry, passiveReply?}`;
 * - `GET /_sim/chat/conversation?corpId&agentId&userId` → `{entries: ChatEntry[]}`;
 * - `GET /_sim/chat/media?mediaId` → the bytes of an image the app sent (images only).
 */
export function registerChatRoutes(router: SimRouter, chat: ChatSim): void {
  const page = (): ReturnType<typeof renderChatPage> => renderChatPage(randomBytes(16).toString('base64'));
  router.add('GET', '/chat', page);
  router.add('GET', '/chat/', page);
  router.add('GET', '/chat/favicon.svg', () => ({
    status: 200,
    headers: { 'content-type': 'image/svg+xml', 'x-content-type-options': 'nosniff', 'cache-control': 'public, max-age=86400' },
    body: CHAT_FAVICON_SVG,
  }));

  router.add('GET', '/_sim/chat/apps', () => jsonResponse(200, { apps: chat.listApps() }, { 'cache-control': 'no-store' }));

  router.add('PUT', '/_sim/chat/apps', (req) => {
    const b = parseJsonObject(req.body);
    const app = chat.setCallbackUrl(requireString(b, 'corpId'), requireNumberish(b, 'agentId'), requireHttpUrl(b, 'callbackUrl'));
    return jsonResponse(200, { app });
  });

  router.add('POST', '/_sim/chat/send', async (req) => {
    const b = parseJsonObject(req.body);
    const text = b['text'];
    if (typeof text !== 'string') throw new SimInputError('text must be a string');
    const displayName = optionalString(b, 'displayName')?.trim();
    if (displayName !== undefined && [...displayName].length > MAX_DISPLAY_NAME_CHARS) {
      throw new SimInputError(`displayName must be at most ${MAX_DISPLAY_NAME_CHARS} characters`);
    }
    const result = await chat.send({
      corpId: requireString(b, 'corpId'),
      agentId: requireNumberish(b, 'agentId'),
      userId: requireString(b, 'userId'),
      ...(displayName ? { displayName } : {}),
      text,
    });
    return jsonResponse(200, result);
  });

  router.add('GET', '/_sim/chat/conversation', (req) => {
    const corpId = req.query.get('corpId');
    const agentId = req.query.get('agentId');
    const userId = req.query.get('userId');
    if (!corpId || !agentId || !userId) throw new SimInputError('corpId, agentId and userId are required query parameters');
    if (!/^\d+$/.test(agentId)) throw new SimInputError('agentId must be a number');
    return jsonResponse(200, { entries: chat.transcript(corpId, agentId, userId) }, { 'cache-control': 'no-store' });
  });

  router.add('GET', '/_sim/chat/media', (req) => {
    const image = chat.image(req.query.get('mediaId') ?? '');
    if (!image) return simErrorResponse(404, 'not_found', 'no image with this mediaId');
    return {
      status: 200,
      // nosniff + a sandboxing CSP: the bytes came from the gateway, treat them as untrusted.
      headers: {
        'content-type': image.contentType,
        'x-content-type-options': 'nosniff',
        'content-security-policy': "default-src 'none'; sandbox",
        'cache-control': 'private, max-age=300',
      },
      body: image.bytes,
    };
  });
}
