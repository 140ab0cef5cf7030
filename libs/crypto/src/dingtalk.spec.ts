import { createDecipheriv } from 'node:crypto';
import { dingtalkEncryptedResponse, dingtalkRobotSign, dingtalkVerifyRobotSign } from './dingtalk';
import { decodeEncodingAesKey, wxDecrypt, wxVerifySignature } from './wx-biz-msg-crypt';

describe('DingTalk robot callback sign', () => {
  // V5.1: inputs from the official doc's Java sample; output derived (feishu-dingtalk.md §5).
  const sign = 'DJrE6qdyVGCQz9z5r2MDuNcNAhwYnuAkyj13cx169CA=';

  it('V5.1: base64(HMAC-SHA256(appSecret, timestamp + "\\n" + appSecret))', () => {
    expect(dingtalkRobotSign('1577262236757', 'this is a secret')).toBe(sign);
  });

  it('verifies and rejects changes', () => {
    expect(dingtalkVerifyRobotSign('1577262236757', 'this is a secret', sign)).toBe(true);
    expect(dingtalkVerifyRobotSign('1577262236758', 'this is a secret', sign)).toBe(false);
    expect(dingtalkVerifyRobotSign('1577262236757', 'this is a secreT', sign)).toBe(false);
    expect(dingtalkVerifyRobotSign('1577262236757', 'this is a secret', sign.replace('=', ''))).toBe(false);
    expect(dingtalkVerifyRobotSign('1577262236757', 'this is a secret', '')).toBe(false);
  });
});

describe('DingTalk event-subscription encrypted response', () => {
  // V6.2 (feishu-dingtalk.md §6), derived from the DingTalk-Callback-Crypto README inputs.
  const token = 'mryue';
  const aesKey = decodeEncodingAesKey('Yue0EfdN5900c1ce5cf6A152c63DDe1808a60c5ecd7');
  const ownerKey = 'ding6ccabc44d2c8d38b';
  const expected = {
    msg_signature: '71d9836a647b4d126b63426d53e5af21c645c68f',
    timeStamp: '1608001896814',
    nonce: 'WL4PK6yA',
    encrypt: 'W/uewmTfs9tKDMDgxd+XSWnN7/9hqBEFaNzz7OGg5U3wtU5s5t372MOgywiPy4AKBmuShz44UiCGLe9cAEJi7g==',
  };

  it('V6.2: encrypted "success" map with the camel-case timeStamp key', () => {
    const res = dingtalkEncryptedResponse(token, aesKey, ownerKey, 'success', '1608001896814', 'WL4PK6yA', Buffer.from('aaaaaaaaaaaaaaaa'));
    expect(res).toEqual(expected);
    expect(Object.keys(res).sort()).toEqual(['encrypt', 'msg_signature', 'nonce', 'timeStamp']);
  });

  it('V6.2 uses pad 17 (> 16, so Node auto-padding would reject it) and decrypts back', () => {
    const d = createDecipheriv('aes-256-cbc', aesKey, aesKey.subarray(0, 16));
    d.setAutoPadding(false);
    const plain = Buffer.concat([d.update(Buffer.from(expected.encrypt, 'base64')), d.final()]);
    expect(plain[plain.length - 1]).toBe(17);
    const out = wxDecrypt(aesKey, expected.encrypt);
    expect(out.message.toString()).toBe('success');
    expect(out.receiveId).toBe(ownerKey);
    expect(out.random.toString()).toBe('aaaaaaaaaaaaaaaa');
    expect(wxVerifySignature(token, expected.timeStamp, expected.nonce, expected.encrypt, expected.msg_signature)).toBe(true);
  });

  it('round-trips with the other official sample key and a random prefix', () => {
    const key = decodeEncodingAesKey('o1w0aum42yaptlz8alnhwikjd3jenzt9cb9wmzptgus');
    const res = dingtalkEncryptedResponse('xxxx', key, 'suiteKeyxx', '{"EventType":"check_url"}', '1500957302881', 'KOHjp9ss');
    const out = wxDecrypt(key, res.encrypt);
    expect(out.message.toString()).toBe('{"EventType":"check_url"}');
    expect(out.receiveId).toBe('suiteKeyxx');
    expect(wxVerifySignature('xxxx', res.timeStamp, res.nonce, res.encrypt, res.msg_signature)).toBe(true);
  });
});
