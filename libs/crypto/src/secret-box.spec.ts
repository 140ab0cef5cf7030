import { createHash, randomBytes } from 'node:crypto';
import { CryptoError } from './errors';
import { parseMasterKey, SecretBox } from './secret-box';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return e instanceof CryptoError ? e.code : `untyped: ${String(e)}`;
  }
  return undefined;
}

/** Replace one dot-separated segment of a sealed string. */
function withSegment(sealed: string, index: number, value: string): string {
  const parts = sealed.split('.');
  parts[index] = value;
  return parts.join('.');
}

/** Flip one bit inside a base64url segment and re-encode canonically. */
function flipSegment(sealed: string, index: number): string {
  const buf = Buffer.from(sealed.split('.')[index], 'base64url');
  buf[0] ^= 0x01;
  return withSegment(sealed, index, buf.toString('base64url'));
}

describe('parseMasterKey', () => {
  const key = randomBytes(32);

  it('accepts 64 hex chars (either case), base64, base64url, unpadded, surrounding whitespace', () => {
    expect(parseMasterKey(key.toString('hex'))).toEqual(key);
    expect(parseMasterKey(key.toString('hex').toUpperCase())).toEqual(key);
    expect(parseMasterKey(key.toString('base64'))).toEqual(key);
    expect(parseMasterKey(key.toString('base64url'))).toEqual(key);
    expect(parseMasterKey(key.toString('base64').replace(/=+$/, ''))).toEqual(key);
    expect(parseMasterKey(`  ${key.toString('base64')}\n`)).toEqual(key);
  });

  it('rejects 31- and 33-byte keys, empty and garbage, with a how-to and without echoing the value', () => {
    const bad = [
      randomBytes(31).toString('hex'),
      randomBytes(33).toString('hex'),
      randomBytes(31).toString('base64'),
      randomBytes(33).toString('base64'),
      randomBytes(32).toString('hex').slice(0, 63),
      '',
      'correct horse battery staple',
      key.toString('base64').slice(0, -2) + '!=',
    ];
    for (const value of bad) {
      let thrown: unknown;
      try {
        parseMasterKey(value);
      } catch (e) {
        thrown = e;
      }
      expect(thrown).toBeInstanceOf(CryptoError);
      expect((thrown as CryptoError).code).toBe('BAD_MASTER_KEY');
      expect((thrown as CryptoError).message).toContain('openssl rand -base64 32');
      if (value) expect((thrown as CryptoError).message).not.toContain(value);
    }
  });
});

describe('SecretBox', () => {
  const k1 = randomBytes(32);
  const k2 = randomBytes(32);
  const aad = 'integrations:42:secret';

  it('keyId is the first 8 hex chars of sha256("imbridge-secretbox-key-id:" || key) (pinned)', () => {
    expect(SecretBox.keyId(Buffer.alloc(32))).toBe('a6f22562');
    expect(SecretBox.keyId(k1)).toBe(
      createHash('sha256').update(Buffer.concat([Buffer.from('imbridge-secretbox-key-id:'), k1])).digest('hex').slice(0, 8),
    );
    expect(new SecretBox([k1, k2]).currentKeyId).toBe(SecretBox.keyId(k1));
  });

  it('seals to the documented format and opens it', () => {
    const box = new SecretBox([k1]);
    for (const plaintext of ['s3cr3t-app-secret', '', '中文 😀 secret', 'x'.repeat(5000)]) {
      const sealed = box.seal(plaintext, aad);
      expect(sealed).toMatch(/^sb1\.[0-9a-f]{8}\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]{22}$/);
      expect(sealed.split('.')[1]).toBe(box.currentKeyId);
      expect(box.open(sealed, aad)).toBe(plaintext);
      expect(box.needsReseal(sealed)).toBe(false);
    }
  });

  it('never contains the plaintext in any common encoding, and uses a fresh IV each time', () => {
    const box = new SecretBox([k1]);
    const plaintext = 'wecom-corp-secret-0123456789abcdef';
    const sealed = box.seal(plaintext, aad);
    for (const enc of ['utf8', 'base64', 'base64url', 'hex'] as const) {
      const encoded = enc === 'utf8' ? plaintext : Buffer.from(plaintext).toString(enc).replace(/=+$/, '');
      expect(sealed).not.toContain(encoded);
    }
    expect(box.seal(plaintext, aad)).not.toBe(sealed);
  });

  it('wrong AAD fails (a secret cannot be moved to another row or column)', () => {
    const box = new SecretBox([k1]);
    const sealed = box.seal('secret', aad);
    expect(codeOf(() => box.open(sealed, 'integrations:43:secret'))).toBe('DECRYPT_FAILED');
    expect(codeOf(() => box.open(sealed, 'integrations:42:token'))).toBe('DECRYPT_FAILED');
    expect(codeOf(() => box.open(sealed, ''))).toBe('DECRYPT_FAILED');
  });

  it('wrong key: unknown id gives UNKNOWN_KEY_ID, a forged id gives DECRYPT_FAILED', () => {
    const sealed = new SecretBox([k1]).seal('secret', aad);
    const other = new SecretBox([k2]);
    expect(codeOf(() => other.open(sealed, aad))).toBe('UNKNOWN_KEY_ID');
    expect(codeOf(() => other.open(withSegment(sealed, 1, other.currentKeyId), aad))).toBe('DECRYPT_FAILED');
  });

  it('rotation: the new box opens old values, flags them for re-seal, and re-seals with the new key', () => {
    const old = new SecretBox([k1]);
    const sealedOld = old.seal('secret', aad);
    const rotated = new SecretBox([k2, k1]);
    expect(rotated.open(sealedOld, aad)).toBe('secret');
    expect(rotated.needsReseal(sealedOld)).toBe(true);
    const resealed = rotated.seal(rotated.open(sealedOld, aad), aad);
    expect(rotated.needsReseal(resealed)).toBe(false);
    expect(resealed.split('.')[1]).toBe(SecretBox.keyId(k2));
    // After the old key is dropped, the old value is no longer readable.
    expect(codeOf(() => new SecretBox([k2]).open(sealedOld, aad))).toBe('UNKNOWN_KEY_ID');
  });

  it('tampered tag, ciphertext or IV fails with DECRYPT_FAILED', () => {
    const box = new SecretBox([k1]);
    const sealed = box.seal('secret value', aad);
    expect(codeOf(() => box.open(flipSegment(sealed, 4), aad))).toBe('DECRYPT_FAILED');
    expect(codeOf(() => box.open(flipSegment(sealed, 3), aad))).toBe('DECRYPT_FAILED');
    expect(codeOf(() => box.open(flipSegment(sealed, 2), aad))).toBe('DECRYPT_FAILED');
  });

  it('malformed values give BAD_SECRET_FORMAT', () => {
    const box = new SecretBox([k1]);
    const sealed = box.seal('secret', aad);
    const tag = sealed.split('.')[4];
    const cases = [
      '',
      'plaintext-secret',
      sealed.replace(/^sb1/, 'sb2'),
      sealed + '.x',
      sealed.split('.').slice(0, 4).join('.'),
      withSegment(sealed, 1, 'ABCDEF12'),
      withSegment(sealed, 2, 'AAAA'),
      withSegment(sealed, 4, tag.slice(0, 16)), // truncated tag must not be accepted
      withSegment(sealed, 3, '***'),
      withSegment(sealed, 4, tag + '='),
    ];
    for (const value of cases) {
      expect(codeOf(() => box.open(value, aad))).toBe('BAD_SECRET_FORMAT');
    }
    expect(codeOf(() => box.needsReseal('garbage'))).toBe('BAD_SECRET_FORMAT');
  });

  it('rejects missing or wrong-size keys and conflicting duplicates', () => {
    expect(codeOf(() => new SecretBox([]))).toBe('BAD_MASTER_KEY');
    expect(codeOf(() => new SecretBox([randomBytes(16)]))).toBe('BAD_MASTER_KEY');
    expect(codeOf(() => new SecretBox([k1, randomBytes(31)]))).toBe('BAD_MASTER_KEY');
    // The same key listed twice is harmless.
    expect(new SecretBox([k1, Buffer.from(k1)]).open(new SecretBox([k1]).seal('a', aad), aad)).toBe('a');
  });

  it('is not affected by the caller mutating its key buffer afterwards', () => {
    const k = Buffer.from(k1);
    const box = new SecretBox([k]);
    const sealed = box.seal('secret', aad);
    k.fill(0);
    expect(box.open(sealed, aad)).toBe('secret');
  });
});
