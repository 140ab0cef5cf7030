import { useEffect, useState } from 'react';
import { Alert, Modal, Select, Tag } from 'antd';
import type { AgentView, PresenceStatus } from '@imbridge/contracts';
import { useI18n } from '../../../i18n';
import { deskApi } from '../api/deskApi';

const PRESENCE_COLOR: Record<PresenceStatus, string> = { online: 'success', away: 'warning', offline: 'default' };

interface TransferModalProps {
  open: boolean;
  /** The current assignee, who is not offered. */
  excludeId: string | null;
  busy: boolean;
  onCancel: () => void;
  onTransfer: (agent: AgentView) => void;
}

/** Picks the agent who takes the chat over, with their presence and load. */
export function TransferModal({ open, excludeId, busy, onCancel, onTransfer }: TransferModalProps) {
  const { t } = useI18n();
  const [agents, setAgents] = useState<AgentView[] | null>(null);
  const [failed, setFailed] = useState(false);
  const [picked, setPicked] = useState<string | undefined>();

  useEffect(() => {
    if (!open) return;
    const controller = new AbortController();
    setPicked(undefined);
    setFailed(false);
    deskApi.agents(controller.signal).then(
      (list) => setAgents(list),
      () => {
        if (!controller.signal.aborted) setFailed(true);
      },
    );
    return () => controller.abort();
  }, [open]);

  const order: Record<PresenceStatus, number> = { online: 0, away: 1, offline: 2 };
  const choices = (agents ?? [])
    .filter((a) => a.id !== excludeId)
    .sort((a, b) => order[a.status] - order[b.status] || a.activeChats - b.activeChats);
  const chosen = choices.find((a) => a.id === picked);

  return (
    <Modal
      open={open}
      title={t('desk.transfer.title')}
      okText={t('desk.transfer.ok')}
      cancelText={t('common.cancel')}
      onCancel={onCancel}
      onOk={() => chosen && onTransfer(chosen)}
      okButtonProps={{ disabled: !chosen, loading: busy, 'data-testid': 'desk-transfer-confirm' }}
      destroyOnHidden
    >
      {failed && <Alert type="error" showIcon title={t('desk.transfer.loadFailed')} style={{ marginBottom: 12 }} />}
      {agents && choices.length === 0 ? (
        <Alert type="info" showIcon title={t('desk.transfer.none')} />
      ) : (
        <Select
          style={{ width: '100%' }}
          placeholder={t('desk.transfer.pick')}
          aria-label={t('desk.transfer.pick')}
          loading={!agents && !failed}
          value={picked}
          onChange={setPicked}
          data-testid="desk-transfer-agent"
          options={choices.map((a) => ({
            value: a.id,
            label: (
              <span className="agent-option" data-testid="agent-option" data-agent={a.username}>
                <span>
                  {a.displayName || a.username} <Tag color={PRESENCE_COLOR[a.status]}>{t(`desk.presence.${a.status}`)}</Tag>
                </span>
                <span className="desk-row__meta">{t('desk.transfer.load', { active: a.activeChats, capacity: a.capacity })}</span>
              </span>
            ),
          }))}
        />
      )}
    </Modal>
  );
}
