import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { decodeBase64Strict } from './base64';
import { timingSafeEqualStr } from './compare';
import { CryptoError } from './errors';
import { pkcs7Pad, pkcs7Unpad } from './wx-biz-msg-crypt';

/*
 * Feishu/Lark "Encrypt Key" scheme: key = sha256(encryptKey), AES-256-CBC with a random IV,
 * standard 16-byte PKCS#7, wire format base64(iv || ciphertext).
 */

const IV_LEN = 16;

function feishuKey(encryptKey: string): Buffer {
  return createHash('sha256').update(encryptKey, 'utf8').digest();
}

export function feishuDecrypt(encryptKey: string, encryptB64: string): string {
  const raw = decodeBase64Strict(encryptB64);
  // At least the IV plus one block; the ciphertext part must be block-aligned.
  if (raw.length < IV_LEN + 16 || (raw.length - IV_LEN) % 16 !== 0) {
    throw new CryptoError('BAD_BLOCK_LENGTH', 'Ciphertext must be a 16-byte IV plus whole 16-byte blocks');
  }
  let plain: Buffer;
  try {
    const decipher = createDecipheriv('aes-256-cbc', feishuKey(encryptKey), raw.subarray(0, IV_LEN));
    // Unpad ourselves so a bad pad surfaces as BAD_PADDING rather than an OpenSSL error string.
    decipher.setAutoPadding(false);
    plain = Buffer.concat([decipher.update(raw.subarray(IV_LEN)), decipher.final()]);
  } catch {
    throw new CryptoError('DECRYPT_FAILED', 'AES-CBC decryption failed');
  }
  return pkcs7Unpad(plain, 16).toString('utf8');
}

/** The simulator's side; `iv` is only for reproducing known vectors. */
export function feishuEncrypt(encryptKey: string, plaintext: string, iv?: Buffer): string {
  const ivBuf = iv ?? randomBytes(IV_LEN);
  if (ivBuf.length !== IV_LEN) {
    throw new RangeError('iv must be 16 bytes');
  }
  const cipher = createCipheriv('aes-256-cbc', feishuKey(encryptKey), ivBuf);
  cipher.setAutoPadding(false);
  const ct = Buffer.concat([cipher.update(pkcs7Pad(Buffer.from(plaintext, 'utf8'), 16)), cipher.final()]);
  return Buffer.concat([ivBuf, ct]).toString('base64');
}

/** X-Lark-Signature: sha256 hex over utf8(timestamp + nonce + encryptKey) followed by the raw body bytes. */
export function feishuSignature(timestamp: string, nonce: string, encryptKey: string, rawBody: Buffer | string): string {
  return createHash('sha256')
    .update(timestamp + nonce + encryptKey, 'utf8')
    .update(typeof rawBody === 'string' ? Buffer.from(rawBody, 'utf8') : rawBody)
    .digest('hex');
}

export function feishuVerifySignature(
  timestamp: string,
  nonce: string,
  encryptKey: string,
  rawBody: Buffer | string,
  signature: string,
): boolean {
  if (typeof signature !== 'string') return false;
  return timingSafeEqualStr(feishuSignature(timestamp, nonce, encryptKey, rawBody), signature.toLowerCase());
}
