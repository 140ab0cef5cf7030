import type { MessageKey } from '../../../i18n';
import type { TranslateVars } from '../../../i18n/language';

type T = (key: MessageKey, vars?: TranslateVars) => string;

/** A coarse human duration ("3 小时 20 分钟"), for waiting times and reply windows. */
export function formatDuration(ms: number, t: T): string {
  const minutes = Math.floor(Math.max(0, ms) / 60_000);
  if (minutes < 1) return t('desk.time.lessThanMinute');
  if (minutes < 60) return t('desk.time.minutes', { m: minutes });
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return t('desk.time.hours', { h: hours, m: minutes % 60 });
  return t('desk.time.days', { d: Math.floor(hours / 24), h: hours % 24 });
}
