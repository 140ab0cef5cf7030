import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { decodeBase64UrlStrict } from './base64';
import { CryptoError } from './errors';

/*
 * Secrets at rest (RELIABILITY decision 8): AES-256-GCM under a master key from the environment,
 * bound to row and column through the AAD, with a key id in every sealed value for rotation.
 */

const MASTER_KEY_HELP =
  'Master key must be 32 bytes, given as 64 hex characters or base64/base64url; ' +
  'generate one with `openssl rand -base64 32`.';

/**
 * Parse the master key from the environment. The error message never echoes the value
 * because it is a secret and error messages end up in logs.
 */
export function parseMasterKey(value: string): Buffer {
  if (typeof value !== 'string') throw new CryptoError('BAD_MASTER_KEY', MASTER_KEY_HELP);
  const v = value.trim();
  // Hex first: 64 hex chars are also valid base64 (of 48 bytes).
  if (/^[0-9a-fA-F]{64}$/.test(v)) return Buffer.from(v, 'hex');
  if (/^[A-Za-z0-9+/_-]+={0,2}$/.test(v)) {
    const key = Buffer.from(v, 'base64');
    // Compare without padding so both base64 and base64url, padded or not, are accepted,
    // while truncated or non-canonical strings are not.
    const canonical = (s: string) => s.replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');
    if (key.length === 32 && key.toString('base64url') === canonical(v)) return key;
  }
  throw new CryptoError('BAD_MASTER_KEY', MASTER_KEY_HELP);
}

const VERSION = 'sb1';
const IV_LEN = 12;
const TAG_LEN = 16;
const KEY_ID = /^[0-9a-f]{8}$/;

interface ParsedSealed {
  keyId: string;
  iv: Buffer;
  ciphertext: Buffer;
  tag: Buffer;
}

function parseSealed(sealed: string): ParsedSealed {
  const bad = () => new CryptoError('BAD_SECRET_FORMAT', 'Not a sealed secret (expected sb1.<keyId>.<iv>.<ct>.<tag>)');
  if (typeof sealed !== 'string') throw bad();
  const parts = sealed.split('.');
  if (parts.length !== 5 || parts[0] !== VERSION || !KEY_ID.test(parts[1])) throw bad();
  const iv = decodeBase64UrlStrict(parts[2]);
  const ciphertext = decodeBase64UrlStrict(parts[3]);
  const tag = decodeBase64UrlStrict(parts[4]);
  if (!iv || iv.length !== IV_LEN || !ciphertext || !tag || tag.length !== TAG_LEN) throw bad();
  return { keyId: parts[1], iv, ciphertext, tag };
}

export class SecretBox {
  readonly currentKeyId: string;
  private readonly current: Buffer;
  private readonly keysById = new Map<string, Buffer>();

  /** keys[0] seals; the rest are previous keys still accepted by open() during rotation. */
  constructor(keys: Buffer[]) {
    if (!Array.isArray(keys) || keys.length === 0) {
      throw new CryptoError('BAD_MASTER_KEY', 'SecretBox needs at least one key. ' + MASTER_KEY_HELP);
    }
    for (const key of keys) {
      if (!Buffer.isBuffer(key) || key.length !== 32) {
        throw new CryptoError('BAD_MASTER_KEY', MASTER_KEY_HELP);
      }
      const id = SecretBox.keyId(key);
      const existing = this.keysById.get(id);
      // Two different keys sharing an 8-hex id would make open() ambiguous; refuse to start.
      if (existing && !existing.equals(key)) {
        throw new CryptoError('BAD_MASTER_KEY', 'Two different keys share a key id; generate a new key.');
      }
      // Copy so a caller zeroing or reusing its buffer cannot change our keys.
      this.keysById.set(id, Buffer.from(key));
    }
    this.current = Buffer.from(keys[0]);
    this.currentKeyId = SecretBox.keyId(keys[0]);
  }

  /** Short, stable, non-secret id: first 8 hex chars of sha256("imbridge-secretbox-key-id:" || key). */
  static keyId(key: Buffer): string {
    return createHash('sha256').update('imbridge-secretbox-key-id:', 'utf8').update(key).digest('hex').slice(0, 8);
  }

  /** `aad` names where the value lives (e.g. "integrations:<id>:secret") so it cannot be moved to another row. */
  seal(plaintext: string, aad: string): string {
    const iv = randomBytes(IV_LEN);
    const cipher = createCipheriv('aes-256-gcm', this.current, iv, { authTagLength: TAG_LEN });
    cipher.setAAD(Buffer.from(aad, 'utf8'));
    const ct = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    const tag = cipher.getAuthTag();
    return [VERSION, this.currentKeyId, iv.toString('base64url'), ct.toString('base64url'), tag.toString('base64url')].join('.');
  }

  open(sealed: string, aad: string): string {
    const { keyId, iv, ciphertext, tag } = parseSealed(sealed);
    const key = this.keysById.get(keyId);
    if (!key) throw new CryptoError('UNKNOWN_KEY_ID', `No key with id ${keyId} is configured`);
    try {
      // authTagLength pins the tag size so a truncated tag cannot be accepted.
      const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_LEN });
      decipher.setAAD(Buffer.from(aad, 'utf8'));
      decipher.setAuthTag(tag);
      return Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString('utf8');
    } catch {
      throw new CryptoError('DECRYPT_FAILED', 'Secret could not be opened (wrong key, wrong AAD or tampered)');
    }
  }

  /** True when the value was sealed with a previous key and should be re-sealed with the current one. */
  needsReseal(sealed: string): boolean {
    return parseSealed(sealed).keyId !== this.currentKeyId;
  }
}
