import { useRef, useState, type KeyboardEvent, type ReactNode } from 'react';
import { FileTextOutlined, PictureOutlined, SendOutlined } from '@ant-design/icons';
import { Alert, App, Button, Input, Switch, Tooltip, Typography } from 'antd';
import type { CannedReplyView, MessageView, ReplyWindowView } from '@imbridge/contracts';
import { isApiError } from '../../../api/client';
import { useI18n } from '../../../i18n';
import { deskApi } from '../../desk/api/deskApi';
import { CannedPicker, cannedQuery, filterCanned } from '../../desk/components/CannedPicker';
import { ReplyWindowHint, useLiveReplyWindow } from '../../desk/components/ReplyWindowHint';
import { estimatedParts, utf8Length, WECOM_TEXT_LIMIT_BYTES } from '../utils/text';

const IMAGE_TYPES = ['image/png', 'image/jpeg', 'image/gif'];
const IMAGE_MAX_BYTES = 10 * 1024 * 1024;

interface ReplyBoxProps {
  conversationId: string;
  /** Null when the caller may reply; otherwise why not (the chat is not assigned to them). */
  blockedReason: string | null;
  /** Shown next to the reason, e.g. a Claim button. */
  blockedAction?: ReactNode;
  replyWindow: ReplyWindowView | null;
  /** The customer's last message, to tell a used-up message quota from an expired window. */
  lastInboundAt?: string | null;
  onSent: (message: MessageView) => void;
}

/**
 * The desk composer: Enter sends, Shift+Enter adds a line, `/` opens the canned replies, a switch
 * turns it into an internal note, and an image can be picked and sent. Sending to the customer is
 * disabled (with the reason) when the chat is not the caller's or the reply window is closed;
 * notes stay possible.
 */
export function ReplyBox({ conversationId, blockedReason, blockedAction, replyWindow: serverWindow, lastInboundAt, onSent }: ReplyBoxProps) {
  const { t, lang } = useI18n();
  const { message } = App.useApp();
  const [text, setText] = useState('');
  const [noteMode, setNoteMode] = useState(false);
  const [sending, setSending] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [canned, setCanned] = useState<CannedReplyView[] | null>(null);
  const [pickerDismissed, setPickerDismissed] = useState(false);
  const [active, setActive] = useState(0);
  const loadingCanned = useRef(false);
  const fileInput = useRef<HTMLInputElement>(null);
  const replyWindow = useLiveReplyWindow(serverWindow);

  const windowClosed = !!replyWindow && replyWindow.limited && !replyWindow.open;
  const replyAllowed = !blockedReason && !windowClosed;
  const inputEnabled = noteMode || replyAllowed;

  const query = cannedQuery(text);
  const pickerOpen = inputEnabled && query !== null && !pickerDismissed;
  const items = pickerOpen && canned ? filterCanned(canned, query) : [];

  const ensureCanned = () => {
    if (canned || loadingCanned.current) return;
    loadingCanned.current = true;
    deskApi.cannedReplies().then(
      (list) => setCanned(list),
      () => {
        loadingCanned.current = false;
        setCanned([]);
      },
    );
  };

  const onChange = (value: string) => {
    setText(value);
    if (cannedQuery(value) !== null) {
      ensureCanned();
      setActive(0);
    } else setPickerDismissed(false);
  };

  const insert = (reply: CannedReplyView) => {
    setText(reply.text);
    setPickerDismissed(false);
  };

  const bytes = utf8Length(text);
  const over = !noteMode && bytes > WECOM_TEXT_LIMIT_BYTES;
  const canSend = inputEnabled && text.trim().length > 0 && !sending;

  const send = async () => {
    if (!canSend) return;
    setSending(true);
    setError(null);
    try {
      const sent = noteMode ? await deskApi.addNote(conversationId, text) : await deskApi.sendText(conversationId, text);
      setText('');
      onSent(sent);
      if (noteMode) message.success(t('desk.composer.noteSaved'));
    } catch (err) {
      const label = noteMode ? t('desk.composer.noteFailed') : t('conv.reply.failed');
      setError(isApiError(err) ? `${label}: ${err.localized(lang)}` : label);
    } finally {
      setSending(false);
    }
  };

  const sendImage = async (file: File) => {
    if (!IMAGE_TYPES.includes(file.type)) {
      setError(t('desk.composer.imageType'));
      return;
    }
    if (file.size > IMAGE_MAX_BYTES) {
      setError(t('desk.composer.imageTooBig'));
      return;
    }
    setSending(true);
    setError(null);
    try {
      const media = await deskApi.uploadMedia(file);
      const sent = await deskApi.sendImage(conversationId, media.id);
      onSent(sent);
      message.success(t('desk.composer.imageSent'));
    } catch (err) {
      const label = t('desk.composer.imageFailed');
      setError(isApiError(err) ? `${label}: ${err.localized(lang)}` : label);
    } finally {
      setSending(false);
    }
  };

  const onKeyDown = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    // Enter while an IME is composing confirms the candidate (Chinese input); it must not send.
    if (e.nativeEvent.isComposing || e.keyCode === 229) return;
    if (pickerOpen) {
      if (e.key === 'Escape') {
        e.preventDefault();
        setPickerDismissed(true);
        return;
      }
      if (items.length > 0) {
        if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
          e.preventDefault();
          const step = e.key === 'ArrowDown' ? 1 : -1;
          setActive((i) => (i + step + items.length) % items.length);
          return;
        }
        if (e.key === 'Enter' || e.key === 'Tab') {
          e.preventDefault();
          insert(items[Math.min(active, items.length - 1)]);
          return;
        }
      }
    }
    if (e.key === 'Enter' && !e.shiftKey) {
      e.preventDefault();
      void send();
    }
  };

  return (
    <div className={`composer ${noteMode ? 'composer--note' : ''}`}>
      {replyWindow && !blockedReason && <ReplyWindowHint window={replyWindow} lastInboundAt={lastInboundAt} />}
      {blockedReason && (
        <Alert
          type="info"
          showIcon
          className="composer__notice"
          data-testid="composer-blocked"
          title={blockedReason}
          description={t('desk.composer.notesAllowed')}
          action={blockedAction}
        />
      )}
      {error && <Alert type="error" showIcon title={error} closable onClose={() => setError(null)} className="composer__notice" />}
      <div className="composer__input">
        {pickerOpen && <CannedPicker items={items} active={active} onPick={insert} onHover={setActive} />}
        <Input.TextArea
          aria-label={noteMode ? t('desk.composer.note') : t('conv.reply.label')}
          placeholder={noteMode ? t('desk.composer.notePlaceholder') : t('desk.composer.placeholder')}
          value={text}
          onChange={(e) => onChange(e.target.value)}
          onKeyDown={onKeyDown}
          autoSize={{ minRows: 2, maxRows: 8 }}
          disabled={!inputEnabled || sending}
          data-testid="desk-composer"
          data-mode={noteMode ? 'note' : 'reply'}
        />
      </div>
      <div className="composer__bar">
        <span className="composer__tools">
          <Tooltip title={t('desk.composer.noteHint')}>
            <span className="composer__tools">
              <Switch
                size="small"
                checked={noteMode}
                onChange={setNoteMode}
                aria-label={t('desk.composer.note')}
                data-testid="desk-note-toggle"
                checkedChildren={<FileTextOutlined />}
              />
              <Typography.Text className="composer__hint">{t('desk.composer.note')}</Typography.Text>
            </span>
          </Tooltip>
          <Tooltip title={t('desk.composer.image')}>
            <Button
              size="small"
              type="text"
              icon={<PictureOutlined />}
              aria-label={t('desk.composer.image')}
              data-testid="desk-image"
              disabled={noteMode || !replyAllowed || sending}
              onClick={() => fileInput.current?.click()}
            />
          </Tooltip>
          <input
            ref={fileInput}
            type="file"
            accept={IMAGE_TYPES.join(',')}
            hidden
            data-testid="desk-image-input"
            onChange={(e) => {
              const file = e.target.files?.[0];
              e.target.value = '';
              if (file) void sendImage(file);
            }}
          />
          {!noteMode && (
            <Typography.Text type={over ? 'warning' : 'secondary'} className="composer__hint" data-testid="reply-bytes">
              {t('conv.reply.bytes', { bytes, limit: WECOM_TEXT_LIMIT_BYTES })}
              {over && ` · ${t('conv.reply.split', { parts: estimatedParts(bytes) })}`}
            </Typography.Text>
          )}
        </span>
        <span className="composer__send">
          <Typography.Text type="secondary" className="composer__hint">
            {t('desk.composer.enterHint')}
          </Typography.Text>
          <Button
            type="primary"
            icon={noteMode ? <FileTextOutlined /> : <SendOutlined />}
            onClick={() => void send()}
            loading={sending}
            disabled={!canSend}
            data-testid="desk-send"
          >
            {noteMode ? t('desk.composer.sendNote') : t('conv.reply.send')}
          </Button>
        </span>
      </div>
    </div>
  );
}
