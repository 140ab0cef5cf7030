import { Alert, Typography } from 'antd';
import type { ReplyWindowView } from '@imbridge/contracts';
import { useI18n } from '../../../i18n';
import { useNow } from '../hooks/useNow';
import { formatDuration } from '../utils/duration';

/** The window as of now: one whose closing time has passed is closed, even before the server says so. */
export function useLiveReplyWindow(view: ReplyWindowView | null): ReplyWindowView | null {
  const now = useNow(15_000);
  if (!view || !view.limited || !view.open) return view;
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

/** What the platform's reply window still allows (time, messages), or why it is closed. */
export function ReplyWindowHint({ window: view, lastInboundAt }: { window: ReplyWindowView; lastInboundAt?: string | null }) {
  const { t, pick } = useI18n();
  const now = useNow(30_000);

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
        title={quotaUsedUp(view, lastInboundAt, now) ? t('kf.window.quotaUsed', { max: KF_MAX_MESSAGES }) : t('desk.window.closed')}
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
  if (view.closesAt) parts.push(t('desk.window.left', { time: formatDuration(Date.parse(view.closesAt) - now, t) }));
  if (view.remainingMessages !== null) parts.push(t('kf.window.leftMessages', { count: view.remainingMessages }));
  const low = view.remainingMessages !== null && view.remainingMessages <= 1;
  return (
    <Typography.Text type={low ? 'warning' : 'secondary'} className="reply-window" data-testid="reply-window" data-state="open">
      {parts.join(' · ')}
      {view.reason && ` (${pick(view.reason)})`}
    </Typography.Text>
  );
}
