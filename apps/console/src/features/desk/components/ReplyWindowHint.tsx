import { Alert, Typography } from 'antd';
import type { ReplyWindowView } from '@imbridge/contracts';
import { useI18n } from '../../../i18n';
import { useNow } from '../hooks/useNow';
import { formatDuration } from '../utils/duration';

/** The window as of now: one whose closing time has passed is closed, even before the server says so. */
export function useLiveReplyWindow(view: ReplyWindowView | null): ReplyWindowView | null {
  const now = useNow(15_000);
  if (!view || !view.limited || !view.open) return view;
  const expired = (view.closesAt !== null && Date.parse(view.closesAt) <= now) || view.remainingMessages === 0;
  return expired ? { ...view, open: false, remainingMessages: 0 } : view;
}

/** What the platform's reply window still allows (time, messages), or why it is closed. */
export function ReplyWindowHint({ window: view }: { window: ReplyWindowView }) {
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
        data-state="closed"
        title={t('desk.window.closed')}
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
  if (view.remainingMessages !== null) parts.push(t('desk.window.leftMessages', { count: view.remainingMessages }));
  const low = view.remainingMessages !== null && view.remainingMessages <= 1;
  return (
    <Typography.Text type={low ? 'warning' : 'secondary'} className="reply-window" data-testid="reply-window" data-state="open">
      {parts.join(' · ')}
      {view.reason && ` (${pick(view.reason)})`}
    </Typography.Text>
  );
}
