import { Typography } from 'antd';
import { useI18n } from '../../../i18n';
import { ExternalLink } from '../../conversations/components/MessageItem';
import type { KeywordReply } from '../api/keywordRulesApi';

/**
 * A summary of a rule's reply (text shown as plain text). `inline`: one line, for table cells where the
 * column's ellipsis must apply; otherwise line breaks are kept.
 */
export function ReplyPreview({ reply, inline = false }: { reply: KeywordReply; inline?: boolean }) {
  const { t } = useI18n();
  if (reply.type === 'image') {
    return (
      <span>
        <Typography.Text type="secondary">[{t('rules.reply.image')}] </Typography.Text>
        <ExternalLink url={reply.url}>{reply.url}</ExternalLink>
      </span>
    );
  }
  if (reply.type === 'news') {
    return (
      <span>
        <Typography.Text type="secondary">[{t('rules.reply.news')}] </Typography.Text>
        {reply.articles.map((a) => a.title).join(' / ')}
      </span>
    );
  }
  return inline ? <span>{reply.text}</span> : <span className="pre-wrap">{reply.text}</span>;
}
