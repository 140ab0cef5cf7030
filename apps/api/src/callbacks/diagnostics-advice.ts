/**
 * What a refused callback most likely means, and what to do, in Chinese and English. Pure: keyed on
 * the `detail` the callback pipeline records (`signature-mismatch`, `malformed-body: inner …`, …).
 */
import type { CallbackRecord } from './callback-diagnostics.service';

export interface Advice {
  zh: string;
  en: string;
}

export type AdvisedRecord = CallbackRecord & { cause?: Advice };

export interface DiagnosticsSummary {
  lastReceivedAt: string | null;
  lastSuccessAt: string | null;
  lastFailure: { at: string; detail: string; cause: Advice } | null;
  neverReached: boolean;
  /** The advice for "no callback received" when `neverReached`, else null. */
  neverReachedCause: Advice | null;
}

export interface CallbackDiagnosticsView {
  records: AdvisedRecord[];
  summary: DiagnosticsSummary;
  setupOrder: { zh: string[]; en: string[] };
}

export const CAUSES: Record<string, Advice> = {
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
  'timestamp-out-of-tolerance': {
    zh: '时间戳超出允许范围：服务器时钟偏差过大，或这是一次重放请求。请检查服务器时间与 NTP 同步。',
    en: 'Timestamp out of tolerance: the server clock is skewed, or this is a replayed request. Check the server time and NTP synchronization.',
  },
  'malformed-body': {
    zh: '请求体格式错误：这不是企业微信的回调，或中间的代理 / 网关改动了请求体。请检查反向代理配置（不要改写或压缩请求体）。',
    en: 'Malformed body: this is not a WeCom callback, or a proxy altered the body. Check the reverse proxy (it must pass the body through unchanged).',
  },
  'missing-parameters': {
    zh: '缺少参数：请求没有 msg_signature / timestamp / nonce（或 echostr）。这通常不是企业微信发来的，或代理丢弃了查询参数。',
    en: 'Missing parameters: the request lacks msg_signature / timestamp / nonce (or echostr). It is usually not from WeCom, or a proxy dropped the query string.',
  },
  'integration-disabled': {
    zh: '集成已停用：回调被拒绝。启用该集成后，平台的重试或新消息即可被接收。',
    en: 'The integration is disabled, so callbacks are refused. Enable it to receive the platform\'s retries and new messages.',
  },
  'method-not-allowed': {
    zh: '请求方法不被接受：企业微信只使用 GET（URL 验证）和 POST（消息）。其他方法通常来自扫描器或错误的代理配置。',
    en: 'Method not allowed: WeCom only uses GET (URL verification) and POST (messages). Other methods usually come from scanners or a misconfigured proxy.',
  },
  'body-too-large': {
    zh: '请求体过大：超过 64 KB 的请求不会是企业微信回调，已被拒绝。',
    en: 'Body too large: requests over 64 KB are not WeCom callbacks and are refused.',
  },
  'storage unavailable': {
    zh: '存储暂时不可用：数据库无法写入，已返回 503 让平台重试。请检查 PostgreSQL。',
    en: 'Storage unavailable: the database could not be written, so 503 was answered for the platform to retry. Check PostgreSQL.',
  },
  'internal error': {
    zh: '内部错误：处理回调时出现异常。请查看服务日志。',
    en: 'Internal error while handling the callback. See the server logs.',
  },
};

export const NEVER_REACHED: Advice = {
  zh: '尚未收到任何回调：平台从未访问到本服务。请检查：回调 URL 是否正确（PUBLIC_BASE_URL 必须是公网 https 地址）、DNS 解析、防火墙 / 安全组、HTTPS 证书是否有效，以及企业微信后台是否已成功保存设置。',
  en: 'No callback received yet: the platform never reached us. Check the URL (PUBLIC_BASE_URL must be the public https address), DNS, the firewall / security group, the HTTPS certificate, and that the settings were saved in WeCom.',
};

export const MP_NEVER_REACHED: Advice = {
  zh: '尚未收到任何回调：微信从未访问到本服务。请检查：回调 URL 是否正确（PUBLIC_BASE_URL 须是公网地址，端口 80 或 443）、DNS 解析、防火墙 / 安全组、HTTPS 证书，以及公众号后台「服务器配置」是否已提交并启用。',
  en: 'No callback received yet: WeChat never reached us. Check the URL (PUBLIC_BASE_URL must be public, on port 80 or 443), DNS, the firewall / security group, the HTTPS certificate, and that the server configuration was submitted and enabled in the MP console.',
};

const UNKNOWN: Advice = {
  zh: '回调被拒绝，原因见详情。',
  en: 'The callback was refused; see the detail.',
};

export const SETUP_ORDER: { zh: string[]; en: string[] } = {
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
};

/**
 * 公众号: the same refusals, pointing at the MP console (设置与开发 → 基本配置 → 服务器配置), where the
 * Token, EncodingAESKey and 消息加解密方式 are set and the URL is submitted.
 */
export const MP_CAUSES: Record<string, Advice> = {
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
    en: "Malformed body: usually the message encryption mode differs (safe/compatible in the MP console but plain here, or the reverse), or a proxy altered the body. Make both sides use the same mode.",
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
};

export const MP_SETUP_ORDER: { zh: string[]; en: string[] } = {
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
};

const FAILED = new Set<CallbackRecord['outcome']>(['rejected', 'error']);
const SUCCEEDED = new Set<CallbackRecord['outcome']>(['accepted', 'duplicate', 'verified']);

/** The advice of a record, or undefined for successful ones. */
export function causeOf(rec: Pick<CallbackRecord, 'outcome' | 'detail'>, platform?: string): Advice | undefined {
  if (!FAILED.has(rec.outcome)) return undefined;
  const detail = rec.detail ?? '';
  const causes = platform === 'mp' ? { ...CAUSES, ...MP_CAUSES } : CAUSES;
  const key = Object.keys(causes).find((k) => detail === k || detail.startsWith(`${k}:`));
  return key ? causes[key] : UNKNOWN;
}

/** Records newest first (as stored); adds causes, the summary and the setup order. */
export function adviseDiagnostics(records: CallbackRecord[], platform?: string): CallbackDiagnosticsView {
  const sorted = [...records].sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : 0));
  const advised: AdvisedRecord[] = sorted.map((r) => {
    const cause = causeOf(r, platform);
    return cause ? { ...r, cause } : { ...r };
  });
  const lastSuccess = advised.find((r) => SUCCEEDED.has(r.outcome));
  const lastFailure = advised.find((r) => FAILED.has(r.outcome));
  return {
    records: advised,
    summary: {
      lastReceivedAt: advised[0]?.at ?? null,
      lastSuccessAt: lastSuccess?.at ?? null,
      lastFailure: lastFailure ? { at: lastFailure.at, detail: lastFailure.detail, cause: lastFailure.cause ?? UNKNOWN } : null,
      neverReached: advised.length === 0,
      neverReachedCause: advised.length === 0 ? (platform === 'mp' ? MP_NEVER_REACHED : NEVER_REACHED) : null,
    },
    setupOrder: platform === 'mp' ? MP_SETUP_ORDER : SETUP_ORDER,
  };
}
