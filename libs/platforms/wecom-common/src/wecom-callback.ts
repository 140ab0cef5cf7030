import { CryptoError, decodeEncodingAesKey, wxDecryptFor, wxVerifySignature } from '@imbridge/crypto';
import {
  assertFreshTimestamp,
  CallbackRejected,
  parseSafeXml,
  xmlRequiredText,
  xmlRoot,
  XmlRejected,
  type CallbackContext,
  type CallbackOutcome,
  type CallbackRequest,
  type XmlObject,
} from '@imbridge/platform-core';

/** The empty 200 every WeCom callback is acknowledged with (anything else may be shown to the user). */
export const WECOM_CALLBACK_ACK = { status: 200, contentType: 'text/plain; charset=utf-8', body: '' };

/** What opening a callback needs: the callback Token, the EncodingAESKey and the receiveid (CorpID). */
export interface WecomCallbackKeys {
  token: string;
  encodingAesKey: string;
  corpId: string;
}

/** Runs `fn`, turning an XmlRejected into a malformed-body rejection (detail prefixed with `prefix`). */
export function rejectMalformedXml<T>(fn: () => T, prefix = ''): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof XmlRejected) throw new CallbackRejected('malformed-body', `${prefix}${err.message}`);
    throw err;
  }
}

/**
 * Verifies and decrypts a WXBizMsgCrypt callback: GET carries `echostr`, POST an XML envelope with
 * `Encrypt`. The signature is checked (constant time) before the timestamp and before anything is
 * decrypted or read; the receiveid must equal the CorpID. Returns the decrypted bytes (the echo for
 * GET, the inner XML for POST); every refusal is a CallbackRejected.
 */
export function openWecomCallback(req: CallbackRequest, ctx: CallbackContext, keys: WecomCallbackKeys): Buffer {
  const { msg_signature: signature, timestamp, nonce } = req.query;
  if (!signature || !timestamp || !nonce) throw new CallbackRejected('missing-parameters');

  let encrypt: string;
  if (req.method === 'GET') {
    const echostr = req.query['echostr'];
    if (!echostr) throw new CallbackRejected('missing-parameters', 'echostr');
    encrypt = echostr;
  } else {
    encrypt = rejectMalformedXml(() => xmlRequiredText(xmlRoot(parseSafeXml(req.rawBody)), 'Encrypt'));
  }

  if (!wxVerifySignature(keys.token, timestamp, nonce, encrypt, signature)) {
    throw new CallbackRejected('signature-mismatch');
  }
  assertFreshTimestamp(timestamp, ctx);
  try {
    return wxDecryptFor(decodeEncodingAesKey(keys.encodingAesKey), encrypt, keys.corpId);
  } catch (err) {
    if (err instanceof CryptoError) {
      throw new CallbackRejected(err.code === 'RECEIVE_ID_MISMATCH' ? 'receive-id-mismatch' : 'decrypt-failed', err.code);
    }
    throw err;
  }
}

/** The answer to a URL verification (GET): the decrypted echostr and nothing else. */
export function wecomUrlVerification(plain: Buffer): CallbackOutcome {
  return { kind: 'reply', reply: { ...WECOM_CALLBACK_ACK, body: plain.toString('utf8') }, diagnostic: 'url-verification' };
}

/** Parses the decrypted inner XML and reads it with `read`; XML problems become malformed-body ("inner: …"). */
export function readWecomInnerXml<T>(plain: Buffer, read: (root: XmlObject) => T): T {
  const root = rejectMalformedXml(() => xmlRoot(parseSafeXml(plain)), 'inner: ');
  return rejectMalformedXml(() => read(root), 'inner: ');
}
