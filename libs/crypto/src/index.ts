export { CryptoError } from './errors';
export type { CryptoErrorCode } from './errors';
export { timingSafeEqualStr } from './compare';
export {
  decodeEncodingAesKey,
  wxSignature,
  wxPlainSignature,
  wxVerifySignature,
  pkcs7Pad,
  pkcs7Unpad,
  wxDecrypt,
  wxDecryptFor,
  wxEncrypt,
  wxEncryptReply,
  wxReplyXml,
} from './wx-biz-msg-crypt';
export type { WxDecrypted, WxEncryptedReply } from './wx-biz-msg-crypt';
export { feishuDecrypt, feishuEncrypt, feishuSignature, feishuVerifySignature } from './feishu';
export { dingtalkRobotSign, dingtalkVerifyRobotSign, dingtalkEncryptedResponse } from './dingtalk';
export { rsaPkcs1v15Decrypt } from './rsa';
export { parseMasterKey, SecretBox } from './secret-box';
export { randomAlnum, randomEncodingAesKey, randomToken } from './random';
