import type { CallbackAdvice } from '@imbridge/platform-core';

/**
 * WeCom (self-built app and 微信客服): what a refused callback most likely means, pointing at the
 * WeCom admin console (应用 → 接收消息 → 设置API接收). Reasons left out (timestamp, disabled
 * integration …) get the gateway's generic advice.
 */
export const WECOM_CALLBACK_ADVICE: CallbackAdvice = {
  causes: {
    'signature-mismatch': {
      zh: '签名校验失败：此处保存的 Token 与企业微信后台「接收消息 → 设置API接收」中的 Token 不一致，或在此处保存之前就已在企业微信后台保存了 URL。请核对 Token 后在两边重新保存。',
      en: 'Signature mismatch: the Token saved here differs from the one in WeCom (Receive Messages → Set API receiving), or the URL was saved in WeCom before it was saved here. Check the Token and save again on both sides.',
    },
    'decrypt-failed': {
      zh: '解密失败：此处的 EncodingAESKey 与企业微信后台填写的不一致。请复制同一个 43 位 EncodingAESKey 到两边。',
      en: 'Decryption failed: the EncodingAESKey here differs from the one entered in WeCom. Copy the same 43-character EncodingAESKey to both sides.',
    },
    'receive-id-mismatch': {
      zh: 'ReceiveId 不匹配：此处的企业ID (CorpID) 与消息所属企业不一致，或该回调属于另一个企业/应用。请核对 CorpID（「我的企业 → 企业信息」底部）。',
      en: 'Receive-id mismatch: the CorpID here differs from the corp the message belongs to, or the callback belongs to another corp or app. Check the CorpID (My Company → Company Info, at the bottom).',
    },
    'malformed-body': {
      zh: '请求体格式错误：这不是企业微信的回调，或中间的代理 / 网关改动了请求体。请检查反向代理配置（不要改写或压缩请求体）。',
      en: 'Malformed body: this is not a WeCom callback, or a proxy altered the body. Check the reverse proxy (it must pass the body through unchanged).',
    },
    'missing-parameters': {
      zh: '缺少参数：请求没有 msg_signature / timestamp / nonce（或 echostr）。这通常不是企业微信发来的，或代理丢弃了查询参数。',
      en: 'Missing parameters: the request lacks msg_signature / timestamp / nonce (or echostr). It is usually not from WeCom, or a proxy dropped the query string.',
    },
    'method-not-allowed': {
      zh: '请求方法不被接受：企业微信只使用 GET（URL 验证）和 POST（消息）。其他方法通常来自扫描器或错误的代理配置。',
      en: 'Method not allowed: WeCom only uses GET (URL verification) and POST (messages). Other methods usually come from scanners or a misconfigured proxy.',
    },
    'body-too-large': {
      zh: '请求体过大：超过 64 KB 的请求不会是企业微信回调，已被拒绝。',
      en: 'Body too large: requests over 64 KB are not WeCom callbacks and are refused.',
    },
  },
  neverReached: {
    zh: '尚未收到任何回调：平台从未访问到本服务。请检查：回调 URL 是否正确（PUBLIC_BASE_URL 必须是公网 https 地址）、DNS 解析、防火墙 / 安全组、HTTPS 证书是否有效，以及企业微信后台是否已成功保存设置。',
    en: 'No callback received yet: the platform never reached us. Check the URL (PUBLIC_BASE_URL must be the public https address), DNS, the firewall / security group, the HTTPS certificate, and that the settings were saved in WeCom.',
  },
  setupOrder: {
    zh: [
      '先在此处创建并保存集成（CorpID、AgentId、Secret、Token、EncodingAESKey），得到回调 URL。',
      '在企业微信管理后台「应用 → 接收消息 → 设置API接收」中粘贴此处的 URL、Token 和 EncodingAESKey。',
      '点击保存：企业微信会立即向 URL 发起验证请求，验证通过才能保存成功（可在下方记录中看到 verified）。',
      '在企业微信中向应用发送一条测试消息，确认下方出现 accepted 记录。',
    ],
    en: [
      'Save the integration here first (CorpID, AgentId, Secret, Token, EncodingAESKey) to get the callback URL.',
      'In the WeCom admin console (App → Receive Messages → Set API receiving), paste the URL, Token and EncodingAESKey from here.',
      'Click Save: WeCom verifies the URL at once and only saves when verification succeeds (a "verified" record appears below).',
      'Send a test message to the app in WeCom and check that an "accepted" record appears below.',
    ],
  },
};
