/**
 * What a refused callback most likely means, and what to do, in Chinese and English. Pure: keyed on
 * the `detail` the callback pipeline records (`signature-mismatch`, `malformed-body: inner …`, …).
 * Generic words only: each platform's own advice comes from its adapter (`advice.callback`).
 */
import type { CallbackAdvice } from '@imbridge/platform-core';
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

/**
 * The gateway's own advice, in words that fit every platform. A platform's CallbackAdvice (its
 * adapter's `advice.callback`) overrides it reason by reason, in the platform's own words.
 */
export const CAUSES: Record<string, Advice> = {
  'signature-mismatch': {
    zh: '签名校验失败：此处保存的 Token 与平台管理后台中的 Token 不一致，或在此处保存之前就已在平台管理后台保存了回调 URL。请核对 Token 后在两边重新保存。',
    en: "Signature mismatch: the Token saved here differs from the one in the platform's admin console, or the callback URL was saved there before it was saved here. Check the Token and save again on both sides.",
  },
  'decrypt-failed': {
    zh: '解密失败：此处的消息加密密钥与平台管理后台填写的不一致。请把同一个密钥复制到两边。',
    en: "Decryption failed: the message encryption key here differs from the one entered in the platform's admin console. Copy the same key to both sides.",
  },
  'receive-id-mismatch': {
    zh: '接收方不匹配：消息属于另一个账号或应用。请核对此处填写的账号 ID。',
    en: 'Receiver mismatch: the message belongs to another account or app. Check the account ID entered here.',
  },
  'timestamp-out-of-tolerance': {
    zh: '时间戳超出允许范围：服务器时钟偏差过大，或这是一次重放请求。请检查服务器时间与 NTP 同步。',
    en: 'Timestamp out of tolerance: the server clock is skewed, or this is a replayed request. Check the server time and NTP synchronization.',
  },
  'malformed-body': {
    zh: '请求体格式错误：这不是该平台的回调，或中间的代理 / 网关改动了请求体。请检查反向代理配置（不要改写或压缩请求体）。',
    en: "Malformed body: this is not a callback of the platform, or a proxy altered the body. Check the reverse proxy (it must pass the body through unchanged).",
  },
  'missing-parameters': {
    zh: '缺少参数：请求缺少平台回调应带的签名、时间戳等参数。这通常不是平台发来的，或代理丢弃了查询参数。',
    en: "Missing parameters: the request lacks the signature, timestamp or other parameters of the platform's callbacks. It is usually not from the platform, or a proxy dropped the query string.",
  },
  'integration-disabled': {
    zh: '集成已停用：回调被拒绝。启用该集成后，平台的重试或新消息即可被接收。',
    en: 'The integration is disabled, so callbacks are refused. Enable it to receive the platform\'s retries and new messages.',
  },
  'unknown-integration': {
    zh: '未知集成：回调 URL 指向的集成不存在（可能已被删除）。请在平台管理后台中改用此处显示的回调 URL。',
    en: "Unknown integration: the callback URL names an integration that does not exist (it may have been deleted). Enter the callback URL shown here in the platform's admin console.",
  },
  'method-not-allowed': {
    zh: '请求方法不被接受：平台回调只使用 GET（URL 验证）和 POST（消息）。其他方法通常来自扫描器或错误的代理配置。',
    en: 'Method not allowed: platform callbacks only use GET (URL verification) and POST (messages). Other methods usually come from scanners or a misconfigured proxy.',
  },
  'body-too-large': {
    zh: '请求体过大：超过 64 KB 的请求不会是平台回调，已被拒绝。',
    en: 'Body too large: requests over 64 KB are not platform callbacks and are refused.',
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
  zh: '尚未收到任何回调：平台从未访问到本服务。请检查：回调 URL 是否正确（PUBLIC_BASE_URL 必须是公网 https 地址）、DNS 解析、防火墙 / 安全组、HTTPS 证书是否有效，以及平台管理后台中的回调设置是否已成功保存。',
  en: "No callback received yet: the platform never reached us. Check the URL (PUBLIC_BASE_URL must be the public https address), DNS, the firewall / security group, the HTTPS certificate, and that the callback settings were saved in the platform's admin console.",
};

const UNKNOWN: Advice = {
  zh: '回调被拒绝，原因见详情。',
  en: 'The callback was refused; see the detail.',
};

export const SETUP_ORDER: { zh: string[]; en: string[] } = {
  zh: [
    '先在此处创建并保存集成，得到回调 URL。',
    '在平台管理后台的回调（接收消息）设置中填写此处的 URL，以及平台要求的 Token、密钥等。',
    '保存：平台通常会立即向 URL 发起验证请求，验证通过才能保存成功（可在下方记录中看到 verified）。',
    '向该账号或应用发送一条测试消息，确认下方出现 accepted 记录。',
  ],
  en: [
    'Save the integration here first to get the callback URL.',
    "In the platform's admin console, enter the URL from here in the callback (receive messages) settings, with the Token, keys and other values the platform asks for.",
    'Save: the platform usually verifies the URL at once and only saves when verification succeeds (a "verified" record appears below).',
    'Send a test message to the account or app and check that an "accepted" record appears below.',
  ],
};

const FAILED = new Set<CallbackRecord['outcome']>(['rejected', 'error']);
const SUCCEEDED = new Set<CallbackRecord['outcome']>(['accepted', 'duplicate', 'verified']);

/**
 * The advice of a record, or undefined for successful ones. `advice`: the platform's own
 * (`PlatformAdapter.advice.callback`); its causes override the generic ones.
 */
export function causeOf(rec: Pick<CallbackRecord, 'outcome' | 'detail'>, advice?: CallbackAdvice): Advice | undefined {
  if (!FAILED.has(rec.outcome)) return undefined;
  const detail = rec.detail ?? '';
  const causes: Record<string, Advice | undefined> = { ...CAUSES, ...advice?.causes };
  const key = Object.keys(causes).find((k) => causes[k] !== undefined && (detail === k || detail.startsWith(`${k}:`)));
  return key ? causes[key] : UNKNOWN;
}

/**
 * Records newest first (as stored); adds causes, the summary and the setup order. `advice`: the
 * platform's own (`PlatformAdapter.advice.callback`), else the generic advice.
 */
export function adviseDiagnostics(records: CallbackRecord[], advice?: CallbackAdvice): CallbackDiagnosticsView {
  const sorted = [...records].sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : 0));
  const advised: AdvisedRecord[] = sorted.map((r) => {
    const cause = causeOf(r, advice);
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
      neverReachedCause: advised.length === 0 ? (advice?.neverReached ?? NEVER_REACHED) : null,
    },
    setupOrder: advice?.setupOrder ?? SETUP_ORDER,
  };
}
