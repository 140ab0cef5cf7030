import type { CallbackAdvice } from '@imbridge/platform-core';

/**
 * 公众号: what a refused callback most likely means, pointing at the MP console (设置与开发 → 基本配置 →
 * 服务器配置), where the Token, EncodingAESKey and 消息加解密方式 are set and the URL is submitted.
 * Reasons left out (timestamp, disabled integration …) get the gateway's generic advice.
 */
export const MP_CALLBACK_ADVICE: CallbackAdvice = {
  causes: {
    'signature-mismatch': {
      zh: '签名校验失败：此处保存的 Token 与公众号后台「设置与开发 → 基本配置 → 服务器配置」中的 Token 不一致。请核对 Token，在此处保存后再到公众号后台重新提交。',
      en: 'Signature mismatch: the Token saved here differs from the one under Settings & Development → Basic Configuration → Server Configuration in the MP console. Check the Token, save here, then submit again in the MP console.',
    },
    'decrypt-failed': {
      zh: '解密失败：此处的 EncodingAESKey 与公众号后台「服务器配置」中的不一致。请复制同一个 43 位 EncodingAESKey 到两边。',
      en: 'Decryption failed: the EncodingAESKey here differs from the one under Server Configuration in the MP console. Copy the same 43-character EncodingAESKey to both sides.',
    },
    'receive-id-mismatch': {
      zh: 'AppID 不匹配：消息属于另一个公众号。请核对此处的 AppID（「基本配置 → 开发者ID」）。',
      en: 'AppID mismatch: the message belongs to another Official Account. Check the AppID here (Basic Configuration → AppID).',
    },
    'malformed-body': {
      zh: '请求体格式错误：多数是「消息加解密方式」两边不一致（公众号后台为安全/兼容模式而此处为明文模式，或相反），也可能是代理改动了请求体。请让两边的模式一致。',
      en: 'Malformed body: usually the message encryption mode differs (safe/compatible in the MP console but plain here, or the reverse), or a proxy altered the body. Make both sides use the same mode.',
    },
    'missing-parameters': {
      zh: '缺少参数：请求没有 signature / timestamp / nonce（安全模式还需 msg_signature，验证时需 echostr）。这通常不是微信发来的，或代理丢弃了查询参数。',
      en: 'Missing parameters: the request lacks signature / timestamp / nonce (msg_signature in safe mode, echostr for verification). It is usually not from WeChat, or a proxy dropped the query string.',
    },
    'method-not-allowed': {
      zh: '请求方法不被接受：微信只使用 GET（服务器配置验证）和 POST（消息与事件）。',
      en: 'Method not allowed: WeChat only uses GET (server configuration check) and POST (messages and events).',
    },
    'body-too-large': {
      zh: '请求体过大：超过 64 KB 的请求不会是公众号回调，已被拒绝。',
      en: 'Body too large: requests over 64 KB are not Official Account callbacks and are refused.',
    },
  },
  neverReached: {
    zh: '尚未收到任何回调：微信从未访问到本服务。请检查：回调 URL 是否正确（PUBLIC_BASE_URL 须是公网地址，端口 80 或 443）、DNS 解析、防火墙 / 安全组、HTTPS 证书，以及公众号后台「服务器配置」是否已提交并启用。',
    en: 'No callback received yet: WeChat never reached us. Check the URL (PUBLIC_BASE_URL must be public, on port 80 or 443), DNS, the firewall / security group, the HTTPS certificate, and that the server configuration was submitted and enabled in the MP console.',
  },
  setupOrder: {
    zh: [
      '先在此处创建并保存集成（AppID、AppSecret、Token、EncodingAESKey、消息加解密方式），得到回调 URL。',
      '在公众号后台「设置与开发 → 基本配置 → 服务器配置」中填写此处的 URL、Token、EncodingAESKey，并选择相同的消息加解密方式（推荐安全模式）。',
      '点击提交：微信会立即向 URL 发起 GET 验证，验证通过才能提交成功（可在下方记录中看到 verified），然后点「启用」。',
      '调用接口（客服消息、菜单、二维码）需把本服务器的出口 IP 加入「IP白名单」。',
      '用微信向公众号发送一条测试消息，确认下方出现 accepted 记录。',
    ],
    en: [
      'Save the integration here first (AppID, AppSecret, Token, EncodingAESKey, encryption mode) to get the callback URL.',
      'In the MP console (Settings & Development → Basic Configuration → Server Configuration), enter the URL, Token and EncodingAESKey from here and choose the same encryption mode (safe mode recommended).',
      'Submit: WeChat checks the URL at once with a GET and only accepts it when the check passes (a "verified" record appears below); then enable it.',
      "API calls (customer-service messages, menus, QR codes) need this server's egress IP in the IP whitelist.",
      'Send a test message to the account from WeChat and check that an "accepted" record appears below.',
    ],
  },
};
