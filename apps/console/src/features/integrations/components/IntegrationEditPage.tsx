import { useCallback, useState, type ReactNode } from 'react';
import { ExportOutlined, WarningOutlined } from '@ant-design/icons';
import { Alert, App, Button, Card, Col, Result, Row, Skeleton, Space, Tag, Typography } from 'antd';
import type { IntegrationView, PlatformDescriptor } from '@imbridge/contracts';
import { useLocation, useNavigate, useParams, useSearchParams } from 'react-router-dom';
import { useI18n } from '../../../i18n';
import { integrationsApi } from '../api/integrationsApi';
import { useIntegration } from '../hooks/useIntegration';
import { usePlatforms } from '../hooks/usePlatforms';
import { CallbackLogCard } from './CallbackLogCard';
import { CallbackUrlCard } from './CallbackUrlCard';
import { ConnectionCard } from './ConnectionCard';
import { InboundSourcesCard } from './InboundSourcesCard';
import { IntegrationForm, type IntegrationSaveRequest } from './IntegrationForm';
import { LoadError } from './LoadError';
import { PageHeader } from './PageHeader';
import { PlatformPicker } from './PlatformPicker';
import { BotSettingsCard } from '../../botSettings/components/BotSettingsCard';
import { KfAccountsCard } from '../../kf/components/KfAccountsCard';
import { MpMenuCard } from '../../mp/components/MpMenuCard';
import { MpQrCodesCard } from '../../mp/components/MpQrCodesCard';
import { MpStatusCard } from '../../mp/components/MpStatusCard';

interface EditLocationState {
  justSaved?: boolean;
}

const saveIntegration = (request: IntegrationSaveRequest): Promise<IntegrationView> =>
  request.kind === 'create' ? integrationsApi.create(request.body) : integrationsApi.update(request.id, request.body);

/** /integrations/new?platform=… and /integrations/:id */
export function IntegrationEditPage() {
  const { id } = useParams<{ id: string }>();
  const isNew = id === undefined;
  const [searchParams, setSearchParams] = useSearchParams();
  const navigate = useNavigate();
  const location = useLocation();
  const { t, pick, lang, formatDateTime } = useI18n();
  const { message } = App.useApp();

  const platforms = usePlatforms();
  const existing = useIntegration(isNew ? null : id);
  const [justSaved, setJustSaved] = useState(() => Boolean((location.state as EditLocationState | null)?.justSaved));

  const platformParam = searchParams.get('platform');
  const platformId = isNew ? platformParam : existing.data?.platform;
  const descriptor: PlatformDescriptor | undefined = platforms.data?.find((p) => p.id === platformId);

  const onSaved = useCallback(
    (saved: IntegrationView) => {
      setJustSaved(true);
      if (isNew) {
        message.success(t('edit.created'));
        navigate(`/integrations/${encodeURIComponent(saved.id)}`, { replace: true, state: { justSaved: true } satisfies EditLocationState });
      } else {
        message.success(t('edit.saved'));
        existing.setData(saved);
        window.scrollTo?.({ top: 0, behavior: 'smooth' });
      }
    },
    [isNew, message, navigate, t, existing],
  );

  const back = () => navigate('/integrations');
  const title = isNew ? t('edit.newTitle') : existing.data?.name || t('edit.editTitle');

  const loading = platforms.loading || (!isNew && existing.loading && !existing.data);
  const loadError = platforms.error || (!isNew ? existing.error : null);

  let body: ReactNode;
  if (loadError) {
    body = <LoadError error={loadError} onRetry={() => (platforms.error ? platforms.reload() : existing.reload())} />;
  } else if (loading || !platforms.data) {
    body = (
      <Card>
        <Skeleton active paragraph={{ rows: 8 }} />
      </Card>
    );
  } else if (isNew && !platformParam) {
    body = (
      <PlatformPicker
        platforms={platforms.data}
        onSelect={(platform) => setSearchParams({ platform }, { replace: false })}
      />
    );
  } else if (!descriptor) {
    body = (
      <Result
        status="warning"
        title={t('edit.unknownPlatform', { id: platformId ?? '' })}
        extra={
          isNew ? (
            <Button type="primary" onClick={() => setSearchParams({})}>
              {t('edit.choosePlatform')}
            </Button>
          ) : undefined
        }
      />
    );
  } else {
    const integration = existing.data;
    body = (
      <Row gutter={[24, 24]}>
        {integration?.lastError && (
          <Col span={24}>
            <Alert
              type="error"
              showIcon
              icon={<WarningOutlined />}
              data-testid="last-error-banner"
              title={
                <span>
                  {t('edit.lastError')} <Tag color="error">{integration.lastError.code}</Tag>
                  <Typography.Text type="secondary" className="small-text">
                    {formatDateTime(integration.lastError.at)}
                  </Typography.Text>
                </span>
              }
              description={<span className="break-all">{integration.lastError.message}</span>}
            />
          </Col>
        )}
        {justSaved && integration && (
          <Col span={24}>
            <CallbackUrlCard descriptor={descriptor} integration={integration} highlight />
          </Col>
        )}
        <Col xs={24} xl={15} xxl={16}>
          <IntegrationForm
            key={`${descriptor.id}:${integration?.id ?? 'new'}:${integration?.updatedAt ?? ''}`}
            descriptor={descriptor}
            integration={isNew ? undefined : integration}
            save={saveIntegration}
            onSaved={onSaved}
            onCancel={back}
          />
        </Col>
        <Col xs={24} xl={9} xxl={8}>
          <Space orientation="vertical" size={16} style={{ width: '100%' }}>
            {integration && <ConnectionCard integration={integration} />}
            {!justSaved && <CallbackUrlCard descriptor={descriptor} integration={integration} />}
            <Card size="small" title={pick(descriptor.name)}>
              <Typography.Paragraph type="secondary" style={{ marginBottom: descriptor.docs.length ? 12 : 0 }}>
                {pick(descriptor.description)}
              </Typography.Paragraph>
              {descriptor.docs.length > 0 && (
                <>
                  <Typography.Text strong>{t('edit.docs')}</Typography.Text>
                  <ul className="plain-list docs-list">
                    {descriptor.docs.map((doc) => (
                      <li key={doc.url}>
                        <Typography.Link href={doc.url} target="_blank" rel="noreferrer noopener">
                          {pick(doc.label)} <ExportOutlined />
                        </Typography.Link>
                      </li>
                    ))}
                  </ul>
                </>
              )}
            </Card>
          </Space>
        </Col>
        {integration?.platform === 'wecom-kf' && (
          <Col span={24}>
            <KfAccountsCard integrationId={integration.id} />
          </Col>
        )}
        {integration?.platform === 'mp' && (
          <>
            <Col span={24}>
              <MpStatusCard integrationId={integration.id} />
            </Col>
            <Col span={24}>
              <MpMenuCard integrationId={integration.id} />
            </Col>
            <Col span={24}>
              <MpQrCodesCard integrationId={integration.id} />
            </Col>
          </>
        )}
        {integration && (
          <Col span={24}>
            <BotSettingsCard integrationId={integration.id} />
          </Col>
        )}
        {integration && descriptor.capabilities.some((c) => c === 'cursor-pull' || c === 'connection') && (
          <Col span={24}>
            <InboundSourcesCard integrationId={integration.id} />
          </Col>
        )}
        {integration && (
          <Col span={24}>
            <CallbackLogCard integrationId={integration.id} callbackUrl={integration.callbackUrl} />
          </Col>
        )}
      </Row>
    );
  }

  return (
    <div className="page">
      <PageHeader
        title={title}
        subTitle={
          descriptor ? (
            <Space size={8}>
              <span>
                {t('edit.platform')}
                {lang === 'zh' ? '：' : ': '}
                {pick(descriptor.name)}
              </span>
              {isNew && (
                <Button type="link" size="small" onClick={() => setSearchParams({})} style={{ padding: 0 }}>
                  {t('edit.changePlatform')}
                </Button>
              )}
            </Space>
          ) : isNew && !platformParam ? (
            t('edit.choosePlatform')
          ) : undefined
        }
        onBack={back}
        backLabel={t('common.back')}
        extra={existing.data && <Tag color={existing.data.enabled ? 'success' : 'default'}>{existing.data.enabled ? t('integrations.enabled') : t('integrations.disabled')}</Tag>}
      />
      {body}
    </div>
  );
}
