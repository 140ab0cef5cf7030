import type { ReactNode } from 'react';
import { PaperClipOutlined, RedoOutlined } from '@ant-design/icons';
import { Button, Tag, Tooltip, Typography } from 'antd';
import type { MessageStatus, MessageView } from '@imbridge/contracts';
import { useI18n, type MessageKey } from '../../../i18n';
import { mediaUrl } from '../api/conversationsApi';
import { safeHttpUrl } from '../utils/text';
import { isImportedHistory, isRecalled, kfEventText, servicerOf, type EventReplyKind } from '../../kf/utils/kfMessage';
import { mpCoordinates, mpEventText } from '../../mp/utils/mpMessage';
import { LinkifiedText } from './LinkifiedText';

const STATUS_COLOR: Record<Exclude<MessageStatus, 'received'>, string> = {
  queued: 'default',
  sending: 'processing',
  sent: 'success',
  failed: 'error',
  // 公众号 without the customer-service API: waiting to go out as the reply to the user's next message.
  held: 'gold',
};

type Content = Record<string, unknown>;

const str = (value: unknown): string | null => (typeof value === 'string' && value !== '' ? value : null);
const obj = (value: unknown): Content | null => (value && typeof value === 'object' && !Array.isArray(value) ? (value as Content) : null);

function mediaIdOf(content: Content | null, outbound: boolean): string | null {
  if (!content) return null;
  // Agents' images carry our own media file id; inbound `media.mediaId` is the platform's, not servable.
  return str(content.mediaFileId) ?? str(obj(content.media)?.mediaFileId) ?? (outbound ? str(content.mediaId) : null);
}

function fileNameOf(content: Content | null): string | null {
  if (!content) return null;
  return str(content.fileName) ?? str(obj(content.media)?.fileName);
}

/** What an event message says, e.g. "enter_agent" or "click · MENU_KEY". */
export function eventLabel(message: MessageView): string {
  const event = obj(message.content?.event);
  const name = str(event?.name) ?? str(message.content?.eventName) ?? str(message.content?.name);
  const key = str(event?.key) ?? str(message.content?.eventKey);
  if (name) return key ? `${name} · ${key}` : name;
  return message.text ?? '';
}

export function ExternalLink({ url, children }: { url: string | null; children: ReactNode }) {
  const href = safeHttpUrl(url);
  if (!href) return <>{children}</>;
  return (
    <a href={href} target="_blank" rel="noopener noreferrer">
      {children}
    </a>
  );
}

function MessageBody({ message }: { message: MessageView }) {
  const { t } = useI18n();
  const content = message.content;
  const mediaId = mediaIdOf(content, message.direction === 'out');
  const text = message.text ? (
    <div className="msg__text">
      <LinkifiedText text={message.text} />
    </div>
  ) : null;

  switch (message.type) {
    case 'image':
      return (
        <>
          {mediaId ? (
            <a href={mediaUrl(mediaId)} target="_blank" rel="noopener noreferrer">
              <img className="msg__image" src={mediaUrl(mediaId)} alt={t('conv.msg.image')} loading="lazy" />
            </a>
          ) : (
            <Typography.Text type="secondary">[{t('conv.msg.image')}]</Typography.Text>
          )}
          {text}
        </>
      );
    case 'voice':
    case 'file':
    case 'video': {
      const label = fileNameOf(content) ?? t(`conv.msg.${message.type}` as MessageKey);
      return (
        <>
          {mediaId ? (
            <a className="msg__file" href={mediaUrl(mediaId)} download={fileNameOf(content) ?? true} data-testid="msg-file">
              <PaperClipOutlined /> {label}
            </a>
          ) : (
            <Typography.Text type="secondary">[{label}]</Typography.Text>
          )}
          {message.type === 'voice' && message.text ? (
            // 公众号 voice: WeChat's speech recognition of it.
            <div className="msg__text" data-testid="msg-voice-text">
              {t('mp.msg.voiceText', { text: message.text })}
            </div>
          ) : (
            text
          )}
        </>
      );
    }
    case 'location': {
      const location = obj(content?.location);
      const coordinates = mpCoordinates(message);
      if (text && !location) return text;
      return (
        <div className="msg__text" data-testid="msg-location">
          <div>📍 {str(location?.label) ?? message.text ?? t('conv.msg.location')}</div>
          {coordinates && (
            <Typography.Text type="secondary" className="small-text" data-testid="msg-location-coordinates">
              {t('mp.msg.coordinates', coordinates)}
            </Typography.Text>
          )}
        </div>
      );
    }
    case 'link': {
      const link = obj(content?.link);
      const title = str(link?.title) ?? str(link?.url) ?? t('conv.msg.link');
      return (
        <div className="msg__card">
          <ExternalLink url={str(link?.url)}>{title}</ExternalLink>
          {str(link?.description) && <div className="msg__card-desc">{str(link?.description)}</div>}
          {!link && text}
        </div>
      );
    }
    case 'news': {
      const articles = Array.isArray(content?.articles) ? (content.articles as unknown[]).map(obj).filter(Boolean) : [];
      if (articles.length === 0) return text ?? <span>[{t('conv.msg.news')}]</span>;
      return (
        <div className="msg__card">
          {articles.map((article, index) => (
            <div key={index} className="msg__card-item">
              <ExternalLink url={str(article?.url)}>{str(article?.title) ?? t('conv.msg.news')}</ExternalLink>
              {str(article?.description) && <div className="msg__card-desc">{str(article?.description)}</div>}
            </div>
          ))}
        </div>
      );
    }
    case 'menu': {
      // 微信客服 msgmenu (e.g. a welcome menu): head, the options the customer can tap, tail.
      const items = Array.isArray(content?.items) ? (content.items as unknown[]).map(obj).filter((i): i is Content => !!i) : [];
      if (items.length === 0) return text ?? <span>[{t('kf.msg.menu')}]</span>;
      return (
        <div className="msg__card" data-testid="msg-menu">
          {str(content?.head) && <div className="msg__text">{str(content?.head)}</div>}
          <ul className="plain-list">
            {items.map((item, index) => (
              <li key={index}>
                <Tag>{str(item.content) ?? str(item.id) ?? ''}</Tag>
              </li>
            ))}
          </ul>
          {str(content?.tail) && <div className="msg__text">{str(content?.tail)}</div>}
        </div>
      );
    }
    case 'textcard':
      return (
        <div className="msg__card">
          <ExternalLink url={str(content?.url)}>{str(content?.title) ?? message.text ?? ''}</ExternalLink>
          {str(content?.description) && <div className="msg__card-desc">{str(content?.description)}</div>}
        </div>
      );
    default: {
      if (text) return text;
      const markdown = str(content?.markdown) ?? str(content?.text);
      if (markdown)
        return (
          <div className="msg__text">
            <LinkifiedText text={markdown} />
          </div>
        );
      return <Typography.Text type="secondary">[{message.type}]</Typography.Text>;
    }
  }
}

export function errorReason(error: MessageView['error']): string {
  if (!error) return '';
  const codes = [error.code, error.platformCode].filter(Boolean).join(' / ');
  return codes ? `${error.message} (${codes})` : error.message;
}

interface MessageItemProps {
  message: MessageView;
  canRetry: boolean;
  retrying: boolean;
  onRetry: (message: MessageView) => void;
  /** Who wrote an agent message or note, when known. */
  authorName?: string | null;
  /** 微信客服: this outgoing message is the welcome or the end message (see eventReplyKinds). */
  eventReply?: EventReplyKind | null;
  /** The conversation's platform, when the caller knows it (events are recognized without it too). */
  platform?: string | null;
}

/**
 * One entry of the timeline: a system line for events, otherwise a bubble (inbound left, outbound
 * right, internal notes right and yellow). All content is rendered as React text (see LinkifiedText).
 */
export function MessageItem({ message, canRetry, retrying, onRetry, authorName, eventReply, platform }: MessageItemProps) {
  const { t, formatDateTime } = useI18n();

  if (message.type === 'event') {
    const platformText = kfEventText(message, t) ?? mpEventText(message, t, platform);
    return (
      <div className="msg-system" data-testid="msg-event" data-message-id={message.id}>
        <span>
          {platformText ?? (eventLabel(message) ? t('conv.msg.eventNamed', { name: eventLabel(message) }) : t('conv.msg.event'))} ·{' '}
          {formatDateTime(message.createdAt)}
        </span>
      </div>
    );
  }

  const direction = message.direction;
  const outbound = direction === 'out';
  const note = direction === 'note';
  const status = message.status;
  const reason = errorReason(message.error);
  // 微信客服: a WeCom servicer's message from the WeCom client is theirs, not the bot's or an agent's.
  const servicer = outbound ? servicerOf(message) : null;
  const author =
    servicer !== null
      ? t('kf.author.servicer', { userid: servicer })
      : outbound || note
        ? (authorName ?? (message.authorId ? t('desk.msg.agent') : t('desk.msg.bot')))
        : null;
  const recalled = isRecalled(message);
  const history = isImportedHistory(message);

  return (
    <div
      className={`msg msg--${direction}${recalled ? ' msg--recalled' : ''}`}
      data-testid="message-bubble"
      data-direction={direction}
      data-message-id={message.id}
      data-servicer={servicer ?? undefined}
      data-recalled={recalled || undefined}
    >
      {note && <div className="msg__note-label">{t('desk.msg.note')}</div>}
      <div className="msg__bubble" style={recalled ? { textDecoration: 'line-through', opacity: 0.6 } : undefined}>
        <MessageBody message={message} />
      </div>
      <div className="msg__meta">
        {author && (
          <span className="msg__author" data-testid={servicer !== null ? 'msg-servicer' : undefined}>
            {author}
          </span>
        )}
        {eventReply && (
          <Tag color="cyan" data-testid="msg-event-reply" data-kind={eventReply}>
            {t(eventReply === 'welcome' ? 'kf.msg.welcome' : 'kf.msg.end')}
          </Tag>
        )}
        {recalled && (
          <Tag data-testid="msg-recalled">{t('kf.msg.recalled')}</Tag>
        )}
        {history && (
          <Tag data-testid="msg-history">{t('kf.msg.history')}</Tag>
        )}
        <span>{formatDateTime(message.sentAt ?? message.createdAt)}</span>
        {outbound && status !== 'received' && (
          <Tooltip title={status === 'failed' && reason ? reason : status === 'held' ? t('desk.window.nextMessage.hint') : undefined}>
            <Tag color={STATUS_COLOR[status]} className="msg__status" data-testid="msg-status" data-status={status}>
              {t(`conv.status.${status}`)}
            </Tag>
          </Tooltip>
        )}
        {outbound && status === 'failed' && canRetry && (
          <Button size="small" type="link" icon={<RedoOutlined />} loading={retrying} onClick={() => onRetry(message)}>
            {t('conv.retry')}
          </Button>
        )}
      </div>
      {outbound && status === 'failed' && reason && (
        <div className="msg__error" data-testid="msg-error">
          {t('conv.failedReason')}
          {reason}
        </div>
      )}
    </div>
  );
}
