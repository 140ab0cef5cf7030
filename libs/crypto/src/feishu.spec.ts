import { CryptoError } from './errors';
import { feishuDecrypt, feishuEncrypt, feishuSignature, feishuVerifySignature } from './feishu';

// feishu-dingtalk.md §1 vectors: V1.1 is the official doc sample; V1.1b/V1.6 are derived from it.
const ENCRYPT_KEY = 'test key';
const V11_ENCRYPT = 'P37w+VZImNgPEO1RBhJ6RtKl7n6zymIbEG1pReEzghk=';
const V11_IV = Buffer.from('3f7ef0f9564898d80f10ed5106127a46', 'hex');

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return e instanceof CryptoError ? e.code : `untyped: ${String(e)}`;
  }
  return undefined;
}

describe('Feishu Encrypt Key scheme', () => {
  it('V1.1: decrypts the official doc sample', () => {
    expect(feishuDecrypt(ENCRYPT_KEY, V11_ENCRYPT)).toBe('hello world');
  });

  it('V1.1b: encrypting with the known IV reproduces the official ciphertext', () => {
    expect(Buffer.from(V11_ENCRYPT, 'base64').subarray(0, 16)).toEqual(V11_IV);
    expect(feishuEncrypt(ENCRYPT_KEY, 'hello world', V11_IV)).toBe(V11_ENCRYPT);
  });

  it('round-trips with a random IV, including the 16-byte full-pad case and UTF-8', () => {
    for (const text of ['', 'x'.repeat(16), 'x'.repeat(17), '{"challenge":"ajls384kdjx98XX","token":"t","type":"url_verification"}', '中文😀']) {
      const a = feishuEncrypt(ENCRYPT_KEY, text);
      const b = feishuEncrypt(ENCRYPT_KEY, text);
      expect(a).not.toBe(b);
      expect(feishuDecrypt(ENCRYPT_KEY, a)).toBe(text);
    }
  });

  it('typed failures for bad base64, short input, misaligned input, wrong key', () => {
    expect(codeOf(() => feishuDecrypt(ENCRYPT_KEY, 'not base64!'))).toBe('BAD_BASE64');
    expect(codeOf(() => feishuDecrypt(ENCRYPT_KEY, Buffer.alloc(16).toString('base64')))).toBe('BAD_BLOCK_LENGTH');
    expect(codeOf(() => feishuDecrypt(ENCRYPT_KEY, Buffer.alloc(40).toString('base64')))).toBe('BAD_BLOCK_LENGTH');
    // A wrong key garbles the padding; with this fixed vector the result is deterministic.
    expect(codeOf(() => feishuDecrypt('other key', V11_ENCRYPT))).toBe('BAD_PADDING');
    expect(() => feishuEncrypt(ENCRYPT_KEY, 'x', Buffer.alloc(12))).toThrow(RangeError);
  });
});

describe('Feishu request signature', () => {
  const rawBody = `{"encrypt":"${V11_ENCRYPT}"}`;
  const expected = 'b2daf72767b9b8160d86f8adfc73c56baa717282cae0ffb03ae0dde1c85117a2';

  it('V1.6: signs the raw body (string or Buffer)', () => {
    expect(feishuSignature('1603977298', 'abc', ENCRYPT_KEY, rawBody)).toBe(expected);
    expect(feishuSignature('1603977298', 'abc', ENCRYPT_KEY, Buffer.from(rawBody))).toBe(expected);
  });

  it('verifies in constant time and rejects any change', () => {
    expect(feishuVerifySignature('1603977298', 'abc', ENCRYPT_KEY, rawBody, expected)).toBe(true);
    expect(feishuVerifySignature('1603977299', 'abc', ENCRYPT_KEY, rawBody, expected)).toBe(false);
    expect(feishuVerifySignature('1603977298', 'abc', ENCRYPT_KEY, rawBody + ' ', expected)).toBe(false);
    expect(feishuVerifySignature('1603977298', 'abc', 'other', rawBody, expected)).toBe(false);
    expect(feishuVerifySignature('1603977298', 'abc', ENCRYPT_KEY, rawBody, expected.slice(1))).toBe(false);
    expect(feishuVerifySignature('1603977298', 'abc', ENCRYPT_KEY, rawBody, undefined as unknown as string)).toBe(false);
  });
});
