import { createCipheriv, createDecipheriv, hash, randomBytes, type Decipher } from 'node:crypto';
import { decodeBase64Strict } from './base64';
import { timingSafeEqualStr } from './compare';
import { CryptoError } from './errors';

/*
 * WXBizMsgCrypt: the callback crypto shared by WeCom, WeChat MP safe/compatible mode and
 * DingTalk event subscription (DingCallbackCrypto is the same algorithm).
 *
 * FullStr = random(16) || uint32be(len(msg)) || msg || receiveId, PKCS#7-padded to 32-byte
 * blocks, AES-256-CBC with IV = key[0..16), base64.
 */

/** The padding block size is 32, not the AES block size 16 (protocol quirk). */
const WX_BLOCK = 32;
const RANDOM_LEN = 16;
const HEADER_LEN = RANDOM_LEN + 4;
const ENCODING_AES_KEY = /^[A-Za-z0-9]{43}$/;

/** EncodingAESKey (43 chars) -> the 32-byte AES key; the official libs call a bad one -40004. */
export function decodeEncodingAesKey(encodingAesKey: string): Buffer {
  if (typeof encodingAesKey !== 'string' || !ENCODING_AES_KEY.test(encodingAesKey)) {
    throw new CryptoError('ILLEGAL_AES_KEY', 'EncodingAESKey must be 43 characters [A-Za-z0-9]');
  }
  const key = Buffer.from(encodingAesKey + '=', 'base64');
  if (key.length !== 32) {
    throw new CryptoError('ILLEGAL_AES_KEY', 'EncodingAESKey must decode to 32 bytes');
  }
  return key;
}

/**
 * Orders strings as their UTF-8 bytes order (= by code point). JS's own comparison goes by UTF-16
 * code units, which differs only where a surrogate (a character beyond U+FFFF) meets U+E000–U+FFFF:
 * there the units are mapped into code point order first.
 */
export function compareUtf8(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let k = 0; k < n; k++) {
    let x = a.charCodeAt(k);
    let y = b.charCodeAt(k);
    if (x === y) continue;
    if (x >= 0xd800 && y >= 0xd800) {
      x += x >= 0xe000 ? -0x800 : 0x2000;
      y += y >= 0xe000 ? -0x800 : 0x2000;
    }
    return x - y;
  }
  return a.length - b.length;
}

/** sha1 over the byte-wise sorted concatenation (one-shot hash of the joined UTF-8 text). */
function sortedSha1(parts: string[]): string {
  return hash('sha1', parts.sort(compareUtf8).join(''), 'hex');
}

/** msg_signature: sha1(sort(token, timestamp, nonce, encrypt)). */
export function wxSignature(token: string, timestamp: string, nonce: string, encrypt: string): string {
  return sortedSha1([token, timestamp, nonce, encrypt]);
}

/** MP plain-mode / server-config `signature`: sha1(sort(token, timestamp, nonce)). */
export function wxPlainSignature(token: string, timestamp: string, nonce: string): string {
  return sortedSha1([token, timestamp, nonce]);
}

export function wxVerifySignature(
  token: string,
  timestamp: string,
  nonce: string,
  encrypt: string,
  signature: string,
): boolean {
  if (typeof signature !== 'string') return false;
  // Hex digests are case-insensitive; lower-casing the untrusted input leaks nothing about ours.
  return timingSafeEqualStr(wxSignature(token, timestamp, nonce, encrypt), signature.toLowerCase());
}

function checkBlockSize(blockSize: number): void {
  if (!Number.isInteger(blockSize) || blockSize < 1 || blockSize > 255) {
    throw new RangeError('blockSize must be an integer in 1..255');
  }
}

/** PKCS#7: always adds 1..blockSize bytes (a full block when already aligned). */
export function pkcs7Pad(data: Buffer, blockSize: number): Buffer {
  checkBlockSize(blockSize);
  const pad = blockSize - (data.length % blockSize);
  return Buffer.concat([data, Buffer.alloc(pad, pad)]);
}

/**
 * Strict PKCS#7 removal. The length need not be a multiple of blockSize (a 16-aligned buffer
 * with a valid pad is accepted), but the pad value must be 1..blockSize and every pad byte equal.
 */
export function pkcs7Unpad(data: Buffer, blockSize: number): Buffer {
  checkBlockSize(blockSize);
  if (data.length === 0) {
    throw new CryptoError('BAD_PADDING', 'Empty input has no padding');
  }
  const pad = data[data.length - 1];
  if (pad < 1 || pad > blockSize || pad > data.length) {
    throw new CryptoError('BAD_PADDING', 'Invalid PKCS#7 pad value');
  }
  // Check all pad bytes without an early exit so timing does not reveal where they differ.
  let diff = 0;
  for (let i = data.length - pad; i < data.length; i++) diff |= data[i] ^ pad;
  if (diff !== 0) {
    throw new CryptoError('BAD_PADDING', 'Inconsistent PKCS#7 pad bytes');
  }
  return data.subarray(0, data.length - pad);
}

function checkAesKey(aesKey: Buffer): void {
  if (!Buffer.isBuffer(aesKey) || aesKey.length !== 32) {
    throw new CryptoError('ILLEGAL_AES_KEY', 'AES key must be 32 bytes');
  }
}

export interface WxDecrypted {
  message: Buffer;
  receiveId: string;
  random: Buffer;
}

/** One AES-256-ECB decipher per key (a few integrations): reused, see cbcDecrypt. */
const ecbDeciphers = new Map<string, Decipher>();
const MAX_CACHED_KEYS = 256;

/**
 * AES-256-CBC decryption with IV = key[0..16) (no padding removed). Node's decipher cannot be reset, and
 * making one per message costs more than the decryption; CBC is P[i] = D(C[i]) ⊕ C[i-1] (C[-1] = IV),
 * and D over whole blocks is ECB, which keeps no state between blocks. So one ECB decipher per key
 * (without padding, it returns every whole block at once and never needs final()) decrypts every
 * message, and the chaining is applied here.
 */
function cbcDecrypt(aesKey: Buffer, ciphertext: Buffer): Buffer {
  const id = aesKey.toString('base64');
  let ecb = ecbDeciphers.get(id);
  if (!ecb) {
    if (ecbDeciphers.size >= MAX_CACHED_KEYS) ecbDeciphers.clear();
    ecb = createDecipheriv('aes-256-ecb', aesKey, null);
    ecb.setAutoPadding(false);
    ecbDeciphers.set(id, ecb);
  }
  const plain = ecb.update(ciphertext);
  if (plain.length !== ciphertext.length) {
    ecbDeciphers.delete(id); // never expected: whole blocks in, whole blocks out
    throw new Error('ECB decipher returned a partial result');
  }
  for (let k = 0; k < 16; k++) plain[k]! ^= aesKey[k]!;
  for (let k = 16; k < plain.length; k++) plain[k]! ^= ciphertext[k - 16]!;
  return plain;
}

export function wxDecrypt(aesKey: Buffer, encryptB64: string): WxDecrypted {
  checkAesKey(aesKey);
  const ciphertext = decodeBase64Strict(encryptB64);
  if (ciphertext.length === 0 || ciphertext.length % 16 !== 0) {
    throw new CryptoError('BAD_BLOCK_LENGTH', 'Ciphertext length must be a positive multiple of 16');
  }
  let plain: Buffer;
  try {
    // Node's auto-padding would strip 16-byte PKCS#7 and reject every pad > 16; we unpad to 32 ourselves.
    plain = cbcDecrypt(aesKey, ciphertext);
  } catch {
    throw new CryptoError('DECRYPT_FAILED', 'AES-CBC decryption failed');
  }
  const full = pkcs7Unpad(plain, WX_BLOCK);
  if (full.length < HEADER_LEN) {
    throw new CryptoError('BAD_LENGTH', 'Plaintext shorter than the random+length header');
  }
  const msgLen = full.readUInt32BE(RANDOM_LEN);
  if (msgLen > full.length - HEADER_LEN) {
    throw new CryptoError('BAD_LENGTH', 'Declared message length exceeds the plaintext');
  }
  return {
    random: full.subarray(0, RANDOM_LEN),
    message: full.subarray(HEADER_LEN, HEADER_LEN + msgLen),
    receiveId: full.subarray(HEADER_LEN + msgLen).toString('utf8'),
  };
}

/** Decrypt and require the trailing receiveId (corpid / suite_id / appid / DingTalk key) to match. */
export function wxDecryptFor(aesKey: Buffer, encryptB64: string, expectedReceiveId: string): Buffer {
  const { message, receiveId } = wxDecrypt(aesKey, encryptB64);
  if (!timingSafeEqualStr(receiveId, expectedReceiveId)) {
    throw new CryptoError('RECEIVE_ID_MISMATCH', 'receiveId does not match');
  }
  return message;
}

export function wxEncrypt(aesKey: Buffer, message: string | Buffer, receiveId: string, random?: Buffer): string {
  checkAesKey(aesKey);
  const rnd = random ?? randomBytes(RANDOM_LEN);
  if (rnd.length !== RANDOM_LEN) {
    throw new RangeError('random must be 16 bytes');
  }
  const msg = typeof message === 'string' ? Buffer.from(message, 'utf8') : message;
  const len = Buffer.alloc(4);
  len.writeUInt32BE(msg.length, 0);
  const full = pkcs7Pad(Buffer.concat([rnd, len, msg, Buffer.from(receiveId, 'utf8')]), WX_BLOCK);
  const cipher = createCipheriv('aes-256-cbc', aesKey, aesKey.subarray(0, 16));
  cipher.setAutoPadding(false);
  return Buffer.concat([cipher.update(full), cipher.final()]).toString('base64');
}

export interface WxEncryptedReply {
  encrypt: string;
  msgSignature: string;
  timestamp: string;
  nonce: string;
}

export function wxEncryptReply(
  token: string,
  aesKey: Buffer,
  receiveId: string,
  message: string,
  timestamp: string,
  nonce: string,
  random?: Buffer,
): WxEncryptedReply {
  const encrypt = wxEncrypt(aesKey, message, receiveId, random);
  return { encrypt, msgSignature: wxSignature(token, timestamp, nonce, encrypt), timestamp, nonce };
}

/** CDATA cannot contain "]]>"; split it across two sections. Nonce is echoed from the request. */
function cdata(value: string): string {
  return `<![CDATA[${value.split(']]>').join(']]]]><![CDATA[>')}]]>`;
}

function escapeXmlText(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** The encrypted passive-reply envelope (wecom-mp.md §1.6). */
export function wxReplyXml(reply: WxEncryptedReply): string {
  return (
    '<xml>' +
    `<Encrypt>${cdata(reply.encrypt)}</Encrypt>` +
    `<MsgSignature>${cdata(reply.msgSignature)}</MsgSignature>` +
    `<TimeStamp>${escapeXmlText(reply.timestamp)}</TimeStamp>` +
    `<Nonce>${cdata(reply.nonce)}</Nonce>` +
    '</xml>'
  );
}
