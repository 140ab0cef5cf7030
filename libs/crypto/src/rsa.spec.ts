import { constants, generateKeyPairSync, KeyObject, publicEncrypt, randomBytes } from 'node:crypto';
import * as forge from 'node-forge';
import { CryptoError } from './errors';
import { rsaPkcs1v15Decrypt } from './rsa';

describe('rsaPkcs1v15Decrypt', () => {
  let publicKey: KeyObject;
  let pkcs1Pem: string;
  let pkcs8Pem: string;

  beforeAll(() => {
    const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
    publicKey = pair.publicKey;
    pkcs1Pem = pair.privateKey.export({ type: 'pkcs1', format: 'pem' }) as string;
    pkcs8Pem = pair.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
  });

  function encryptNode(plain: Buffer): string {
    return publicEncrypt({ key: publicKey, padding: constants.RSA_PKCS1_PADDING }, plain).toString('base64');
  }

  function expectDecryptFailed(pem: string, ct: string): void {
    let thrown: unknown;
    try {
      rsaPkcs1v15Decrypt(pem, ct);
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(CryptoError);
    expect((thrown as CryptoError).code).toBe('DECRYPT_FAILED');
  }

  it('decrypts a node:crypto PKCS#1 v1.5 ciphertext with PKCS#1 and PKCS#8 PEM keys', () => {
    expect(pkcs1Pem).toContain('BEGIN RSA PRIVATE KEY');
    expect(pkcs8Pem).toContain('BEGIN PRIVATE KEY');
    // Archive keys are short random strings; also cover binary and the maximum size (k - 11).
    for (const plain of [Buffer.from('a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6'), randomBytes(1), randomBytes(245)]) {
      const ct = encryptNode(plain);
      expect(rsaPkcs1v15Decrypt(pkcs1Pem, ct)).toEqual(plain);
      expect(rsaPkcs1v15Decrypt(pkcs8Pem, ct)).toEqual(plain);
    }
  });

  it('decrypts a node-forge ciphertext', () => {
    const forgePub = forge.pki.publicKeyFromPem(publicKey.export({ type: 'spki', format: 'pem' }) as string);
    const ct = Buffer.from(forgePub.encrypt('per-message key', 'RSAES-PKCS1-V1_5'), 'binary').toString('base64');
    expect(rsaPkcs1v15Decrypt(pkcs8Pem, ct).toString()).toBe('per-message key');
  });

  it('corrupt ciphertexts throw DECRYPT_FAILED (deterministic cases)', () => {
    const ct = Buffer.from(encryptNode(Buffer.from('secret')), 'base64');
    // Truncated: wrong length for the modulus.
    expectDecryptFailed(pkcs1Pem, ct.subarray(1).toString('base64'));
    // c = 0 and c = 1 decrypt to blocks without the 00 02 header.
    expectDecryptFailed(pkcs1Pem, Buffer.alloc(256).toString('base64'));
    const one = Buffer.alloc(256);
    one[255] = 1;
    expectDecryptFailed(pkcs1Pem, one.toString('base64'));
    expectDecryptFailed(pkcs1Pem, '');
  });

  it('a bad or encrypted PEM throws DECRYPT_FAILED', () => {
    const ct = encryptNode(Buffer.from('secret'));
    expectDecryptFailed('not a pem', ct);
    expectDecryptFailed(pkcs8Pem.replace(/[A-Za-z]{10}/, 'AAAAAAAAAA'), ct);
    const encryptedPem = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({
      type: 'pkcs8',
      format: 'pem',
      cipher: 'aes-256-cbc',
      passphrase: 'pw',
    }) as string;
    expectDecryptFailed(encryptedPem, ct);
  });
});
