import { CheckCircleFilled, LinkOutlined } from '@ant-design/icons';
import { Card, Typography } from 'antd';
import type { IntegrationView, PlatformDescriptor } from '@imbridge/contracts';
import { useI18n, type Lang } from '../../../i18n';

function joinList(items: string[], lang: Lang): string {
  if (lang === 'zh') return items.join('、');
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

interface CallbackUrlCardProps {
  descriptor: PlatformDescriptor;
  integration?: IntegrationView;
  /** Just saved: shown prominently at the top of the page. */
  highlight?: boolean;
}

/** The callback URL to paste into the platform, with the order things must be done in. */
export function CallbackUrlCard({ descriptor, integration, highlight = false }: CallbackUrlCardProps) {
  const { t, pick, lang } = useI18n();
  const platform = pick(descriptor.name);
  // The values the platform's callback settings ask for are the ones we offer to generate (Token, EncodingAESKey…).
  const shared = descriptor.fields.filter((f) => f.generate).map((f) => pick(f.label));
  const pasteList = joinList(['URL', ...shared], lang);

  return (
    <Card
      size="small"
      className={highlight ? 'callback-card callback-card--highlight' : 'callback-card'}
      title={
        <span className="callback-card__title">
          {highlight ? <CheckCircleFilled className="callback-card__ok" /> : <LinkOutlined />}
          {highlight ? t('edit.justSavedTitle') : t('edit.callbackTitle')}
        </span>
      }
    >
      {integration ? (
        <>
          {highlight && <Typography.Text type="secondary">{t('edit.callbackTitle')}</Typography.Text>}
          <Typography.Paragraph
            className="callback-card__url"
            copyable={{ text: integration.callbackUrl, tooltips: [t('common.copy'), t('common.copied')] }}
            data-testid="callback-url"
          >
            {integration.callbackUrl}
          </Typography.Paragraph>
        </>
      ) : (
        <Typography.Paragraph type="secondary">{t('edit.callbackPending')}</Typography.Paragraph>
      )}
      <Typography.Text strong>{t('edit.setupTitle')}</Typography.Text>
      <ol className="setup-steps">
        <li>{t('edit.setupStep1')}</li>
        <li>{t('edit.setupStep2', { platform, fields: pasteList })}</li>
        <li>
          {shared.length > 0
            ? t('edit.setupStep3', { platform, secrets: joinList(shared, lang) })
            : t('edit.setupStep3NoSecrets', { platform })}
        </li>
      </ol>
    </Card>
  );
}
