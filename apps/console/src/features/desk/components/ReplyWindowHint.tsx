import { useEffect, useState } from 'react';
import { Alert, Typography } from 'antd';
import type { ReplyWindowView } from '@imbridge/contracts';
import { useI18n } from '../../../i18n';
import { useNow } from '../hooks/useNow';
import { formatDuration } from '../utils/duration';

/** A window closing within this time shows a seconds countdown and its closing time (公众号: 1 minute after a menu click or scan). */
export const SHORT_WINDOW_MS = 10 * 60_000;

/**
 * The current time for a window closing at `closesAt`: ticks every `slowMs`, and every second
 * once fewer than SHORT_WINDOW_MS are left (so a 1-minute window counts down and closes on time).
 */
function useWindowNow(closesAt: string | null | undefined, slowMs: number): number {
  const slow = useNow(slowMs);
  const [fast, setFast] = useState(() => Date.now());
  const closing = closesAt ? Date.parse(closesAt) : NaN;
  const now = Math.max(slow, fast);
  const short = Number.isFinite(closing) && closing - now <= SHORT_WINDOW_MS && closing > now - 1000;
  useEffect(() => {
    if (!short) return;
    const timer = window.setInterval(() => setFast(Date.now()), 1000);
    return () => window.clearInterval(timer);
  }, [short]);
  return now;
}

/** The window as of now: one whose closing time has passed is closed, even before the server says so. */
export function useLiveReplyWindow(view: ReplyWindowView | null): ReplyWindowView | null {
  const now = useWindowNow(view?.open ? view.closesAt : null, 15_000);
  // Held for the user's next message: the window never closes on the client's clock.
  if (!view || !view.limited || !view.open || view.deliveredOnNextMessage) return view;
  const timeUp = view.closesAt !== null && Date.parse(view.closesAt) <= now;
  if (timeUp) return { ...view, open: false, remainingMessages: 0, closedBy: 'expired' };
  return view.remainingMessages === 0 ? { ...view, open: false, closedBy: 'quota' } : view;
}

/**
 * 微信客服 is the only channel whose window counts messages: 5 within 48 h of the customer's last
 * message. The server says why a window is closed (`closedBy`); a view from an older server, or one
 * the client closed itself (useLiveReplyWindow), falls back to: closed, no messages left, and the
 * 48 hours not over yet.
 */
export const KF_MAX_MESSAGES = 5;
const KF_WINDOW_MS = 48 * 3_600_000;

export function quotaUsedUp(view: ReplyWindowView, lastInboundAt: string | null | undefined, now: number): boolean {
  if (!view.limited || view.open || view.remainingMessages !== 0) return false;
  if (view.closedBy) return view.closedBy === 'quota';
  if (view.closesAt) return Date.parse(view.closesAt) > now;
  return !!lastInboundAt && now - Date.parse(lastInboundAt) < KF_WINDOW_MS;
}

/** "0:45" for a short countdown. */
function formatCountdown(ms: number): string {
  const seconds = Math.max(0, Math.ceil(ms / 1000));
  return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`;
}

function clockTime(iso: string, lang: 'zh' | 'en'): string {
  return new Intl.DateTimeFormat(lang === 'zh' ? 'zh-CN' : 'en-US', { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false }).format(new Date(iso));
}

/** What the platform's reply window still allows (time, messages), or why it is closed. */
export function ReplyWindowHint({ window: view, lastInboundAt }: { window: ReplyWindowView; lastInboundAt?: string | null }) {
  const { t, pick, lang } = useI18n();
  const now = useWindowNow(view.open ? view.closesAt : null, 30_000);

  if (view.deliveredOnNextMessage && view.open) {
    // 公众号 without the customer-service API: sending stays possible, delivery waits for the user.
    return (
      <Alert
        type="info"
        showIcon
        className="composer__notice"
        data-testid="reply-window"
        data-state="next-message"
        title={t('desk.window.nextMessage')}
        description={view.reason ? pick(view.reason) : t('desk.window.nextMessage.hint')}
      />
    );
  }

  if (!view.limited) {
    return (
      <Typography.Text type="secondary" className="reply-window" data-testid="reply-window" data-state="unlimited">
        {t('desk.window.unlimited')}
      </Typography.Text>
    );
  }
  if (!view.open) {
    return (
      <Alert
        type="warning"
        showIcon
        className="composer__notice"
        data-testid="reply-window"
        data-state={quotaUsedUp(view, lastInboundAt, now) ? 'quota' : 'closed'}
        title={quotaUsedUp(view, lastInboundAt, now) ? t('kf.window.quotaUsed', { max: view.maxMessages ?? KF_MAX_MESSAGES }) : t('desk.window.closed')}
        description={
          <>
            {view.reason && <div>{pick(view.reason)}</div>}
            <div>{t('desk.composer.notesAllowed')}</div>
          </>
        }
      />
    );
  }
  const parts: string[] = [];
  const left = view.closesAt ? Date.parse(view.closesAt) - now : null;
  if (view.closesAt && left !== null && left <= SHORT_WINDOW_MS) parts.push(t('desk.window.leftShort', { time: formatCountdown(left), at: clockTime(view.closesAt, lang) }));
  else if (view.closesAt && left !== null) parts.push(t('desk.window.left', { time: formatDuration(left, t) }));
  if (view.remainingMessages !== null) parts.push(t('kf.window.leftMessages', { count: view.remainingMessages }));
  const low = (view.remainingMessages !== null && view.remainingMessages <= 1) || (left !== null && left <= SHORT_WINDOW_MS);
  return (
    <Typography.Text type={low ? 'warning' : 'secondary'} className="reply-window" data-testid="reply-window" data-state="open" data-short={left !== null && left <= SHORT_WINDOW_MS ? 'true' : undefined}>
      {parts.join(' · ')}
      {view.reason && ` (${pick(view.reason)})`}
    </Typography.Text>
  );
}
