import { useEffect, useState } from 'react';
import { FileOutlined, LinkOutlined, PictureOutlined } from '@ant-design/icons';
import { Alert, Empty, Space, Spin, Tag, Typography } from 'antd';
import type { Answer, PlatformId, RenderedPart } from '@imbridge/contracts';
import { isApiError } from '../../../api/client';
import { useI18n } from '../../../i18n';
import { previewApi } from '../api/previewApi';

export interface AnswerPreviewProps {
  platform: PlatformId | string;
  answer: Answer;
  /** Wait this long after the last change before asking the server (typing in an editor). */
  debounceMs?: number;
}

const isHttpUrl = (s: string): boolean => /^https?:\/\//i.test(s);

function hasContent(a: Answer): boolean {
  return Boolean(a.text?.trim()) || Boolean(a.images?.length) || Boolean(a.links?.length);
}

/** One part as a chat bubble. Everything is shown as inert text; only http(s) image URLs are loaded. */
function PartBubble({ part, index }: { part: RenderedPart; index: number }) {
  const { t } = useI18n();
  const label =
    part.type === 'image'
      ? t('deadLetters.preview.image')
      : part.type === 'news'
        ? t('deadLetters.preview.news')
        : part.type === 'file'
          ? t('deadLetters.preview.file')
          : part.type === 'textcard'
            ? t('deadLetters.preview.textcard')
            : null;
  const icon = part.type === 'image' ? <PictureOutlined /> : part.type === 'news' || part.type === 'textcard' ? <LinkOutlined /> : part.type === 'file' ? <FileOutlined /> : null;
  return (
    <div
      className="answer-preview__bubble"
      data-testid="answer-preview-part"
      data-type={part.type}
      style={{ alignSelf: 'flex-end', maxWidth: '85%', background: '#e7f5e1', borderRadius: 8, padding: '8px 12px' }}
    >
      {label && (
        <div style={{ marginBottom: 4 }}>
          <Tag icon={icon}>{label}</Tag>
        </div>
      )}
      {part.type === 'image' && isHttpUrl(part.preview) ? (
        <img src={part.preview} alt={t('deadLetters.preview.image')} referrerPolicy="no-referrer" style={{ maxWidth: 200, maxHeight: 200, display: 'block' }} />
      ) : null}
      <Typography.Paragraph style={{ whiteSpace: 'pre-wrap', wordBreak: 'break-word', marginBottom: 0 }} type={part.type === 'image' ? 'secondary' : undefined}>
        {part.preview}
      </Typography.Paragraph>
      <div style={{ textAlign: 'right', fontSize: 12, opacity: 0.6 }}>
        #{index + 1}
        {part.bytes !== undefined ? ` · ${t('deadLetters.preview.bytes', { bytes: part.bytes })}` : ''}
      </div>
    </div>
  );
}

/**
 * What the customer would receive for `answer` on `platform`, as the platform's sender renders it
 * (POST /api/preview/answer): each message a bubble, with its UTF-8 byte count.
 */
export function AnswerPreview({ platform, answer, debounceMs = 300 }: AnswerPreviewProps) {
  const { t, lang } = useI18n();
  const [parts, setParts] = useState<RenderedPart[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(false);
  const key = JSON.stringify([platform, answer]);

  useEffect(() => {
    const [p, a] = JSON.parse(key) as [string, Answer];
    if (!hasContent(a)) {
      setParts([]);
      setError(null);
      setLoading(false);
      return;
    }
    const controller = new AbortController();
    setLoading(true);
    const timer = setTimeout(() => {
      previewApi.answer(p, a, controller.signal).then(
        (res) => {
          if (controller.signal.aborted) return;
          setParts(res.parts);
          setError(null);
          setLoading(false);
        },
        (err: unknown) => {
          if (controller.signal.aborted) return;
          setError(err);
          setLoading(false);
        },
      );
    }, debounceMs);
    return () => {
      clearTimeout(timer);
      controller.abort();
    };
  }, [key, debounceMs]);

  return (
    <div className="answer-preview" data-testid="answer-preview" aria-label={t('deadLetters.preview.title')}>
      {error ? (
        <Alert type="error" showIcon message={t('deadLetters.preview.failed')} description={isApiError(error) ? error.localized(lang) : undefined} />
      ) : parts && parts.length === 0 && !loading ? (
        <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('deadLetters.preview.empty')} />
      ) : (
        <Spin spinning={loading}>
          {parts && parts.length > 0 && (
            <Space orientation="vertical" style={{ width: '100%' }}>
              <Typography.Text type="secondary" data-testid="answer-preview-count">
                {t('deadLetters.preview.parts', { count: parts.length })}
              </Typography.Text>
              <div style={{ display: 'flex', flexDirection: 'column', gap: 8 }}>
                {parts.map((part, i) => (
                  <PartBubble key={i} part={part} index={i} />
                ))}
              </div>
            </Space>
          )}
        </Spin>
      )}
    </div>
  );
}
