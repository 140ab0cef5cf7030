import { createHmac } from 'node:crypto';
import { timingSafeEqualStr } from './compare';
import { wxEncrypt, wxSignature } from './wx-biz-msg-crypt';

/**
 * Robot HTTP callback `sign` header. It covers only the timestamp, so the caller must also
 * enforce the timestamp window (|now - timestamp| < 1 h) and dedup on msgId.
 */
export function dingtalkRobotSign(timestamp: string, appSecret: string): string {
  return createHmac('sha256', appSecret).update(`${timestamp}\n${appSecret}`, 'utf8').digest('base64');
}

export function dingtalkVerifyRobotSign(timestamp: string, appSecret: string, sign: string): boolean {
  if (typeof sign !== 'string') return false;
  return timingSafeEqualStr(dingtalkRobotSign(timestamp, appSecret), sign);
}

/**
 * Event-subscription reply (DingCallbackCrypto getEncryptedMap): the WXBizMsgCrypt scheme with
 * the AppKey/corpId/suiteKey as receiveId. Note the camel-case `timeStamp` key the platform expects.
 */
export function dingtalkEncryptedResponse(
  token: string,
  aesKey: Buffer,
  ownerKey: string,
  plaintext: string,
  timeStamp: string,
  nonce: string,
  random?: Buffer,
): { msg_signature: string; timeStamp: string; nonce: string; encrypt: string } {
  const encrypt = wxEncrypt(aesKey, plaintext, ownerKey, random);
  return { msg_signature: wxSignature(token, timeStamp, nonce, encrypt), timeStamp, nonce, encrypt };
}
