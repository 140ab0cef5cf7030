import * as forge from 'node-forge';
import { CryptoError } from './errors';

/**
 * RSAES-PKCS1-v1_5 decryption for WeCom chat-archive per-message keys (encrypt_random_key).
 * Node 20's privateDecrypt refuses this padding (CVE-2023-46809 hardening), so node-forge does
 * exactly this one step. Accepts PKCS#1 ("RSA PRIVATE KEY") and unencrypted PKCS#8 ("PRIVATE KEY").
 */
export function rsaPkcs1v15Decrypt(privateKeyPem: string, ciphertextB64: string): Buffer {
  try {
    const key = forge.pki.privateKeyFromPem(privateKeyPem);
    const ciphertext = Buffer.from(ciphertextB64, 'base64');
    // node-forge works on binary strings (one char per byte).
    const plain = key.decrypt(ciphertext.toString('binary'), 'RSAES-PKCS1-V1_5');
    return Buffer.from(plain, 'binary');
  } catch {
    // One code for every cause (bad PEM, wrong key, corrupt block): callers cannot act differently.
    throw new CryptoError('DECRYPT_FAILED', 'RSA PKCS#1 v1.5 decryption failed');
  }
}
