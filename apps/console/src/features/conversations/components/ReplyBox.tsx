import { useState } from 'react';
import { SendOutlined } from '@ant-design/icons';
import { Alert, App, Button, Input, Typography } from 'antd';
import type { MessageView } from '@imbridge/contracts';
import { isApiError } from '../../../api/client';
import { useI18n } from '../../../i18n';
import { conversationsApi } from '../api/conversationsApi';
import { estimatedParts, utf8Length, WECOM_TEXT_LIMIT_BYTES } from '../utils/text';

interface ReplyBoxProps {
  conversationId: string;
  onSent: (message: MessageView) => void;
}

/** Text reply with a UTF-8 byte counter (WeCom: 2048 bytes per message; longer replies are split). */
export function ReplyBox({ conversationId, onSent }: ReplyBoxProps) {
  const { t, lang } = useI18n();
  const { message } = App.useApp();
  const [text, setText] = useState('');
  const [sending, setSending] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const bytes = utf8Length(text);
  const parts = estimatedParts(bytes);
  const over = bytes > WECOM_TEXT_LIMIT_BYTES;
  const canSend = text.trim().length > 0 && !sending;

  const send = async () => {
    if (!canSend) return;
    setSending(true);
    setError(null);
    try {
      const sent = await conversationsApi.send(conversationId, text);
      setText('');
      onSent(sent);
      message.success(t('conv.reply.queued'));
    } catch (err) {
      setError(isApiError(err) ? `${t('conv.reply.failed')}: ${err.localized(lang)}` : t('conv.reply.failed'));
    } finally {
      setSending(false);
    }
  };

  return (
    <div className="reply-box">
      {error && <Alert type="error" showIcon title={error} closable onClose={() => setError(null)} style={{ marginBottom: 8 }} />}
      <Input.TextArea
        aria-label={t('conv.reply.label')}
        placeholder={t('conv.reply.placeholder')}
        value={text}
        onChange={(e) => setText(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
            e.preventDefault();
            void send();
          }
        }}
        autoSize={{ minRows: 3, maxRows: 10 }}
        disabled={sending}
      />
      <div className="reply-box__footer">
        <Typography.Text type={over ? 'warning' : 'secondary'} className="reply-box__counter" data-testid="reply-bytes">
          {t('conv.reply.bytes', { bytes, limit: WECOM_TEXT_LIMIT_BYTES })}
          {over && ` · ${t('conv.reply.split', { parts })}`}
        </Typography.Text>
        <span className="reply-box__actions">
          <Typography.Text type="secondary" className="reply-box__hint">
            {t('conv.reply.shortcut')}
          </Typography.Text>
          <Button type="primary" icon={<SendOutlined />} onClick={() => void send()} loading={sending} disabled={!canSend}>
            {t('conv.reply.send')}
          </Button>
        </span>
      </div>
      <Typography.Text type="secondary" className="reply-box__note">
        {t('conv.reply.limitNote', { limit: WECOM_TEXT_LIMIT_BYTES })}
      </Typography.Text>
    </div>
  );
}
