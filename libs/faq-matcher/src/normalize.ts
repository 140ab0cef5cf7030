/**
 * Text normalization for FAQ matching. Pure functions, no dependencies.
 *
 * `normalize()` produces the comparison form: NFKC (full-width → half-width, compatibility digits),
 * lower-case, a small traditional → simplified table, a small colloquial → standard table
 * (咋 → 怎么, 啥 → 什么, 多钱 → 多少钱 …), and every character that is not a letter or a digit
 * (punctuation, emoji, spaces, symbols) removed — except that a single space separates runs of
 * Latin letters/digits so they stay distinct words. The caller keeps the original text for display.
 */

/** Inputs longer than this (in UTF-16 units) are truncated before any work: a 100 KB query must not hang. */
export const MAX_INPUT_CHARS = 512;

/**
 * Traditional → simplified for characters common in customer-service questions. Not exhaustive
 * (a full table is ~2,500 pairs); these cover the FAQ vocabulary we ship with.
 */
const T2S_TRAD =
  '價錢貨發運費遞郵號單訂買賣換實際帳賬戶碼錄註冊會員優維壞質問題這個們麼甚時間點營業開關門聯繫係電話轉給讓說請謝嗎還沒麽張標準規長幾後從來處辦為與對應該學設備機車國內區邊寶貝讀寫錯誤網絡頁圖選擇項積級續額專遲顯據稅報銷驗證綁記補聽見現場當態務臺團隊週節億萬兩壹貳線傳輸載軟體產樣於隱權銀幣減滿領過輕鬆損裝詢諮溝覆複啟動認識難預約訊';
const T2S_SIMP =
  '价钱货发运费递邮号单订买卖换实际账账户码录注册会员优维坏质问题这个们么什时间点营业开关门联系系电话转给让说请谢吗还没么张标准规长几后从来处办为与对应该学设备机车国内区边宝贝读写错误网络页图选择项积级续额专迟显据税报销验证绑记补听见现场当态务台团队周节亿万两一二线传输载软体产样于隐权银币减满领过轻松损装询咨沟复复启动认识难预约讯';

/** Colloquial / internet spellings → standard forms (applied after T2S, before stripping). */
const COLLOQUIAL: Array<[string, string]> = [
  ['多钱', '多少钱'],
  ['几钱', '多少钱'],
  ['神马', '什么'],
  ['什么鬼', '什么'],
  ['木有', '没有'],
  ['没得', '没有'],
  ['咋样', '怎么样'],
  ['咋', '怎么'],
  ['啥', '什么'],
  ['肿么', '怎么'],
  ['怎样', '怎么'],
  ['如何', '怎么'],
  ['怎么样', '怎么'],
  ['伐', '吗'],
  ['滴', '的'],
  ['俺', '我'],
  ['偶', '我'],
  ['您', '你'],
  ['妳', '你'],
  ['亲', ''],
];

/**
 * Customer-service vocabulary: synonyms and frequent typos → one canonical word, so that n-grams
 * of different words for one thing meet. Small and generic (not tied to one shop's FAQ); a
 * deployment can extend it.
 */
export const DOMAIN_SYNONYMS: ReadonlyArray<readonly [string, string]> = [
  ['价钱', '价格'],
  ['售价', '价格'],
  ['报个价', '报价'],
  ['快递费', '运费'],
  ['邮费', '运费'],
  ['付款', '支付'],
  ['付钱', '支付'],
  ['退钱', '退款'],
  ['退欵', '退款'],
  ['开票', '开发票'],
  ['发漂', '发票'],
  ['库存', '货'],
  ['登陆', '登录'],
  ['帐号', '账号'],
  ['帐户', '账户'],
  ['优惠卷', '优惠券'],
  ['质保', '保修'],
  ['保休', '保修'],
  ['密马', '密码'],
  ['真人', '人工'],
  ['手机号码', '手机号'],
  ['过年', '春节'],
  ['几天', '多久'],
  ['便宜', '优惠'],
  ['上班时间', '营业时间'],
];

const T2S_SIMP_CHARS = Array.from(T2S_SIMP);
const T2S_MAP = new Map<string, string>(Array.from(T2S_TRAD).map((ch, i) => [ch, T2S_SIMP_CHARS[i]!]));

/** Replace traditional characters from the table by their simplified form. */
export function toSimplified(text: string): string {
  let out = '';
  for (const ch of text) out += T2S_MAP.get(ch) ?? ch;
  return out;
}

const NON_WORD = /[^\p{L}\p{N}]+/gu;
const HAN = /\p{Script=Han}/u;

/**
 * Normalize for comparison. Han characters are concatenated without spaces; Latin/digit runs are
 * separated by one space from each other. Never throws; empty/nullish input gives ''.
 */
export function normalize(text: string | null | undefined): string {
  if (!text) return '';
  let s = String(text);
  if (s.length > MAX_INPUT_CHARS) s = s.slice(0, MAX_INPUT_CHARS);
  s = s.normalize('NFKC').toLowerCase();
  s = toSimplified(s);
  for (const [from, to] of COLLOQUIAL) if (s.includes(from)) s = s.split(from).join(to);
  for (const [from, to] of DOMAIN_SYNONYMS) if (s.includes(from)) s = s.split(from).join(to);
  // Non letters/digits (punctuation, emoji, symbols, whitespace) become a separator.
  s = s.replace(NON_WORD, ' ').trim();
  // Join: drop separators next to a Han character, keep one between two Latin/digit runs.
  let out = '';
  const parts = s.split(' ');
  for (const part of parts) {
    if (!part) continue;
    if (out && !HAN.test(out[out.length - 1]!) && !HAN.test(part[0]!)) out += ' ';
    out += part;
  }
  return out;
}

/** A token is either a Han run or a Latin/digit run (already normalized). */
export interface Run {
  readonly han: boolean;
  readonly text: string;
}

/** Split normalized text into Han runs and Latin/digit word runs. */
export function runs(normalized: string): Run[] {
  const out: Run[] = [];
  let cur = '';
  let curHan = false;
  const flush = () => {
    if (cur) out.push({ han: curHan, text: cur });
    cur = '';
  };
  for (const ch of normalized) {
    if (ch === ' ') {
      flush();
      continue;
    }
    const h = HAN.test(ch);
    if (cur && h !== curHan) flush();
    curHan = h;
    cur += ch;
  }
  flush();
  return out;
}

/**
 * Polite fillers that carry no topic ("请问", "你好", "一下") — removed from the Han text before
 * n-grams are taken, so they neither match nor dilute. IDF would down-weight them anyway; removing
 * them also keeps the exact-containment bonus meaningful.
 */
const FILLERS = ['请问', '你好', '在吗', '在不在', '麻烦', '一下', '谢谢', '哈哈', '那个', '就是', '我想问', '想问', '问下', '问问', '客服你好'];
const FILLER_RE = new RegExp(
  FILLERS.sort((a, b) => b.length - a.length).join('|'),
  'g',
);

/** Single-character particles dropped from unigrams (they still participate in bigrams). */
export const STOP_CHARS = new Set(['的', '了', '吗', '呢', '吧', '啊', '呀', '哦', '嘛', '么', '是', '我', '你', '在', '有', '要', '能', '可', '以', '个', '这', '那', '和', '就', '都', '也', '还', '啦', '哈', '嗯']);

/** Strip fillers (used for tokenization and containment, not for display). */
export function stripFillers(normalized: string): string {
  return normalized.replace(FILLER_RE, '');
}

/**
 * Terms of a text: Han unigrams (minus particles) prefixed "u:", Han bigrams "b:", Latin/digit words "w:".
 * Returns a term → count map. The input is capped by `normalize`.
 */
export function terms(text: string): Map<string, number> {
  const norm = stripFillers(normalize(text));
  const out = new Map<string, number>();
  const add = (t: string) => out.set(t, (out.get(t) ?? 0) + 1);
  for (const run of runs(norm)) {
    if (!run.han) {
      add('w:' + run.text);
      continue;
    }
    const chars = Array.from(run.text);
    for (let i = 0; i < chars.length; i++) {
      if (!STOP_CHARS.has(chars[i]!)) add('u:' + chars[i]);
      if (i + 1 < chars.length) add('b:' + chars[i] + chars[i + 1]);
    }
  }
  return out;
}
