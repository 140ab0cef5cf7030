import * as api from './index';

describe('public API', () => {
  it('exports every agreed name', () => {
    const names = [
      'CryptoError',
      'timingSafeEqualStr',
      'decodeEncodingAesKey',
      'wxSignature',
      'wxPlainSignature',
      'wxVerifySignature',
      'pkcs7Pad',
      'pkcs7Unpad',
      'wxDecrypt',
      'wxDecryptFor',
      'wxEncrypt',
      'wxEncryptReply',
      'wxReplyXml',
      'feishuDecrypt',
      'feishuEncrypt',
      'feishuSignature',
      'feishuVerifySignature',
      'dingtalkRobotSign',
      'dingtalkVerifyRobotSign',
      'dingtalkEncryptedResponse',
      'rsaPkcs1v15Decrypt',
      'parseMasterKey',
      'SecretBox',
      'randomAlnum',
      'randomEncodingAesKey',
      'randomToken',
    ];
    for (const name of names) {
      expect(typeof (api as Record<string, unknown>)[name]).toBe('function');
    }
  });

  it('CryptoError carries its code and is an Error', () => {
    const e = new api.CryptoError('BAD_PADDING');
    expect(e).toBeInstanceOf(Error);
    expect(e.code).toBe('BAD_PADDING');
    expect(e.name).toBe('CryptoError');
    expect(e.message).toBe('BAD_PADDING');
    expect(new api.CryptoError('BAD_LENGTH', 'why').message).toBe('why');
  });
});
