import { App, Badge, Select, Space, Tooltip } from 'antd';
import { useNavigate } from 'react-router-dom';
import { isApiError } from '../../../api/client';
import { useI18n } from '../../../i18n';
import { useDesk, type ChosenPresence } from '../hooks/deskContext';
import '../desk.css';

const DOT: Record<string, string> = { online: '#52c41a', away: '#faad14', offline: '#bfbfbf' };

/** The signed-in agent's presence switch, the desk connection dot and the unread total, in the header. */
export function HeaderPresence() {
  const desk = useDesk();
  const { t, lang } = useI18n();
  const { message } = App.useApp();
  const navigate = useNavigate();
  if (!desk.active) return null;

  const shown = desk.connected ? desk.presence : 'offline';
  const onChange = async (value: string) => {
    if (value !== 'online' && value !== 'away') return;
    try {
      await desk.setPresence(value as ChosenPresence);
    } catch (err) {
      message.error(isApiError(err) ? `${t('desk.presence.failed')}: ${err.localized(lang)}` : t('desk.presence.failed'));
    }
  };

  const option = (status: 'online' | 'away' | 'offline') => ({
    value: status,
    disabled: status === 'offline',
    label: (
      <span className="presence-option">
        <span className="presence-option__dot" style={{ background: DOT[status] }} />
        {t(`desk.presence.${status}`)}
      </span>
    ),
  });

  return (
    <Space size={10} align="center" className="header-presence">
      {desk.unreadTotal > 0 && (
        <Tooltip title={t('desk.unread', { count: desk.unreadTotal })}>
          <Badge
            count={desk.unreadTotal}
            size="small"
            overflowCount={99}
            data-testid="desk-unread-total"
            className="header-presence__unread"
            onClick={() => navigate('/conversations')}
          />
        </Tooltip>
      )}
      <Tooltip title={desk.connected ? t('desk.connection.on') : t('desk.connection.off')}>
        <span
          className={`desk-connection ${desk.connected ? 'desk-connection--on' : 'desk-connection--off'}`}
          data-testid="desk-connection"
          data-connected={desk.connected ? 'true' : 'false'}
          role="status"
          aria-label={desk.connected ? t('desk.connection.on') : t('desk.connection.off')}
        />
      </Tooltip>
      <span data-testid="presence-switch" data-status={shown}>
        <Select
          size="small"
          aria-label={t('desk.presence.label')}
          value={shown}
          onChange={(value: string) => void onChange(value)}
          style={{ width: 92 }}
          popupMatchSelectWidth={false}
          options={desk.connected ? [option('online'), option('away')] : [option('online'), option('away'), option('offline')]}
        />
      </span>
    </Space>
  );
}
