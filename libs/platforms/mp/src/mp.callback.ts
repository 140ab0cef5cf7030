import { CryptoError, decodeEncodingAesKey, timingSafeEqualStr, wxDecryptFor, wxPlainSignature, wxVerifySignature } from '@imbridge/crypto';
import {
  assertFreshTimestamp,
  CallbackRejected,
  parseSafeXml,
  xmlRoot,
  xmlText,
  XmlRejected,
  type CallbackContext,
  type CallbackHttpReply,
  type CallbackOutcome,
  type CallbackRequest,
  type XmlObject,
} from '@imbridge/platform-core';
import type { MpConfig, MpEncryptionMode } from './mp.descriptor';

/**
 * The acknowledgement of every stored callback: the literal `success` (wecom-mp.md §2.1). WeChat then
 * shows the user nothing; the answer follows through the customer-service API, or a passive reply
 * replaces this when one is ready inside the callback.
 */
export const MP_CALLBACK_ACK: CallbackHttpReply = { status: 200, contentType: 'text/plain; charset=utf-8', body: 'success' };

/** A verified (and, if it was encrypted, decrypted) POST callback. */
export interface MpOpenedCallback {
  mode: MpEncryptionMode;
  /** The message's XML: the decrypted inner XML for compatible/safe mode, the body for plain mode. */
  xml: XmlObject;
  /** True when the request carried an encrypted body: a passive reply must then be encrypted too. */
  encrypted: boolean;
  timestamp: string;
  /** The request's nonce; the official samples echo it in the encrypted reply envelope. */
  nonce: string;
}

/** Runs `fn`, turning an XmlRejected into a malformed-body rejection (detail prefixed with `prefix`). */
function rejectMalformedXml<T>(fn: () => T, prefix = ''): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof XmlRejected) throw new CallbackRejected('malformed-body', `${prefix}${err.message}`);
    throw err;
  }
}

/** `signature = sha1(sort(token, timestamp, nonce))`, compared in constant time (hex, any case). */
export function verifyMpPlainSignature(token: string, timestamp: string, nonce: string, signature: string): boolean {
  return timingSafeEqualStr(wxPlainSignature(token, timestamp, nonce), signature.toLowerCase());
}

/**
 * Server-config GET (all three modes, §1.5): `signature` over token/timestamp/nonce, then `echostr`
 * echoed unchanged as plain text. Unlike WeCom the echostr is not encrypted.
 */
export function answerMpServerVerification(req: CallbackRequest, ctx: CallbackContext, cfg: Pick<MpConfig, 'token'>): CallbackOutcome {
  const { signature, timestamp, nonce, echostr } = req.query;
  if (!signature || !timestamp || !nonce || echostr === undefined || echostr === '') throw new CallbackRejected('missing-parameters');
  if (!verifyMpPlainSignature(cfg.token, timestamp, nonce, signature)) throw new CallbackRejected('signature-mismatch');
  assertFreshTimestamp(timestamp, ctx);
  return { kind: 'reply', reply: { status: 200, contentType: 'text/plain; charset=utf-8', body: echostr }, diagnostic: 'server-verification' };
}

/**
 * Verifies a POST callback in the configured mode and returns the message XML.
 * - plain: `signature` over token/timestamp/nonce (the body itself is not signed), then the body.
 * - safe and compatible: `msg_signature` over token/timestamp/nonce/Encrypt (never `signature`),
 *   then `Encrypt` is decrypted with receiveid = AppID. In compatible mode the body also carries the
 *   plain fields: they are ignored, only the decrypted message counts.
 * Every refusal is a CallbackRejected; the signature is checked before the timestamp and before
 * anything is decrypted.
 */
export function openMpCallback(req: CallbackRequest, ctx: CallbackContext, cfg: MpConfig): MpOpenedCallback {
  const { timestamp, nonce } = req.query;
  if (cfg.encryptionMode === 'plain') {
    const signature = req.query['signature'];
    if (!signature || !timestamp || !nonce) throw new CallbackRejected('missing-parameters');
    if (!verifyMpPlainSignature(cfg.token, timestamp, nonce, signature)) throw new CallbackRejected('signature-mismatch');
    assertFreshTimestamp(timestamp, ctx);
    const xml = rejectMalformedXml(() => xmlRoot(parseSafeXml(req.rawBody)));
    if (rejectMalformedXml(() => xmlText(xml, 'Encrypt')) !== undefined) {
      // The account was switched to compatible/safe mode on WeChat's side but not here.
      throw new CallbackRejected('malformed-body', 'encrypted body, but the integration is in plain mode');
    }
    return { mode: 'plain', xml, encrypted: false, timestamp, nonce };
  }

  const signature = req.query['msg_signature'];
  if (!signature || !timestamp || !nonce) throw new CallbackRejected('missing-parameters');
  const envelope = rejectMalformedXml(() => xmlRoot(parseSafeXml(req.rawBody)));
  const encrypt = rejectMalformedXml(() => xmlText(envelope, 'Encrypt'));
  if (encrypt === undefined || encrypt === '') throw new CallbackRejected('malformed-body', '<Encrypt> missing');
  if (!wxVerifySignature(cfg.token, timestamp, nonce, encrypt, signature)) throw new CallbackRejected('signature-mismatch');
  assertFreshTimestamp(timestamp, ctx);
  const plain = decryptMp(cfg, encrypt);
  const xml = rejectMalformedXml(() => xmlRoot(parseSafeXml(plain)), 'inner: ');
  return { mode: cfg.encryptionMode, xml, encrypted: true, timestamp, nonce };
}

/** Decrypts an `Encrypt` value for this account (receiveid = AppID); crypto failures become rejections. */
export function decryptMp(cfg: Pick<MpConfig, 'appId' | 'encodingAesKey'>, encrypt: string): Buffer {
  if (cfg.encodingAesKey === undefined) throw new CallbackRejected('decrypt-failed', 'no EncodingAESKey configured');
  try {
    return wxDecryptFor(decodeEncodingAesKey(cfg.encodingAesKey), encrypt, cfg.appId);
  } catch (err) {
    if (err instanceof CryptoError) {
      throw new CallbackRejected(err.code === 'RECEIVE_ID_MISMATCH' ? 'receive-id-mismatch' : 'decrypt-failed', err.code);
    }
    throw err;
  }
}
