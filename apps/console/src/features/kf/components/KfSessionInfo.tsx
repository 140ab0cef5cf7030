import { Alert, Descriptions, Skeleton, Tag, Typography } from 'antd';
import { KF_SERVICE_STATE_LABELS, type ConversationView, type KfServiceState } from '@imbridge/contracts';
import { isApiError } from '../../../api/client';
import { useRequest } from '../../../api/useRequest';
import { useI18n } from '../../../i18n';
import { kfApi } from '../api/kfApi';

const STATE_COLOR: Record<KfServiceState, string> = { 0: 'default', 1: 'purple', 2: 'gold', 3: 'blue', 4: 'default' };

/**
 * 微信客服: what WeCom last said about this chat's session (kf/service_state), the state we keep it
 * at, and the last failed sync. Refetched whenever the conversation changes (state, assignee, servicer, a message).
 */
export function KfSessionInfo({ conversation }: { conversation: ConversationView }) {
  const { t, lang, formatDateTime } = useI18n();
  const c = conversation;
  const session = useRequest(
    (signal) => kfApi.session(c.id, signal),
    `kf-session:${c.id}:${c.state}:${c.assigneeId ?? ''}:${c.externalServicer ?? ''}:${c.lastMessageAt ?? ''}`,
  );
  const label = (state: KfServiceState) => KF_SERVICE_STATE_LABELS[state][lang];

  let body;
  if (session.loading && !session.data) body = <Skeleton active title={false} paragraph={{ rows: 2 }} />;
  else if (!session.data)
    body = (
      <Typography.Text type="secondary" data-testid="kf-session-error">
        {t('kf.session.loadFailed')}
        {isApiError(session.error) ? `: ${session.error.localized(lang)}` : ''}
      </Typography.Text>
    );
  else {
    const s = session.data;
    const error = s.lastError;
    body = (
      <>
        <Descriptions
          column={1}
          size="small"
          items={[
            {
              key: 'state',
              label: t('kf.session.state'),
              children: (
                <span>
                  {s.serviceState === null ? (
                    <Typography.Text type="secondary">{t('kf.session.unknown')}</Typography.Text>
                  ) : (
                    <Tag color={STATE_COLOR[s.serviceState]} data-testid="kf-session-state" data-state={s.serviceState}>
                      {label(s.serviceState)}
                    </Tag>
                  )}
                  {s.desiredState !== null && s.desiredState !== s.serviceState && (
                    <Typography.Text type="secondary" className="small-text" data-testid="kf-session-desired">
                      {t('kf.session.desired')} {label(s.desiredState)}
                    </Typography.Text>
                  )}
                </span>
              ),
            },
            ...(s.servicerUserId ? [{ key: 'servicer', label: t('kf.session.servicer'), children: <span className="mono-small">{s.servicerUserId}</span> }] : []),
            ...(s.syncedAt ? [{ key: 'synced', label: t('kf.session.syncedAt'), children: formatDateTime(s.syncedAt) }] : []),
          ]}
        />
        {error && (
          <Alert
            type="warning"
            showIcon
            data-testid="kf-session-last-error"
            title={`${t('kf.session.lastError')} (${[error.code, error.platformCode].filter(Boolean).join(' / ')})`}
            description={lang === 'zh' && error.messageZh ? error.messageZh : error.message}
          />
        )}
      </>
    );
  }

  return (
    <div data-testid="kf-session" style={{ marginTop: 12 }}>
      <Typography.Text strong>{t('kf.session.title')}</Typography.Text>
      {body}
    </div>
  );
}
