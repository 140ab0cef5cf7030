import { useMemo, useState } from 'react';
import { DeleteOutlined, EditOutlined, PlusOutlined } from '@ant-design/icons';
import { App, Button, Card, Col, Empty, Popconfirm, Row, Select, Space, Switch, Table, Tag, Typography, type TableColumnsType } from 'antd';
import { isApiError } from '../../../api/client';
import { useRequest } from '../../../api/useRequest';
import { useI18n } from '../../../i18n';
import { integrationsApi } from '../../integrations/api/integrationsApi';
import { LoadError } from '../../integrations/components/LoadError';
import { PageHeader } from '../../integrations/components/PageHeader';
import { keywordRulesApi, type KeywordRuleView, type MatchType } from '../api/keywordRulesApi';
import { KeywordRuleDrawer, type RuleSaveRequest } from './KeywordRuleDrawer';
import { KeywordTestBox } from './KeywordTestBox';
import { ReplyPreview } from './ReplyPreview';

const saveRule = (request: RuleSaveRequest) =>
  request.kind === 'create' ? keywordRulesApi.create(request.body) : keywordRulesApi.update(request.id, request.body);

const MATCH_COLOR: Record<MatchType, string> = { exact: 'geekblue', contains: 'cyan', regex: 'purple' };

function sortRules(rules: KeywordRuleView[]): KeywordRuleView[] {
  return [...rules].sort((a, b) => b.priority - a.priority || a.name.localeCompare(b.name));
}

/** /keyword-rules — keyword auto-replies (admins). */
export function KeywordRulesPage() {
  const { t, lang, formatDateTime } = useI18n();
  const { message } = App.useApp();
  const [filter, setFilter] = useState<string | undefined>(undefined);
  const rules = useRequest((signal) => keywordRulesApi.list(filter, signal), `keyword-rules:${filter ?? ''}`);
  const integrations = useRequest((signal) => integrationsApi.list(signal), 'integrations');
  const integrationNames = useMemo(() => new Map((integrations.data ?? []).map((i) => [i.id, i.name] as const)), [integrations.data]);
  const [editing, setEditing] = useState<{ rule?: KeywordRuleView } | null>(null);
  const [busy, setBusy] = useState<string | null>(null);

  const replaceRule = (saved: KeywordRuleView) =>
    rules.setData((current) => {
      const list = current ?? [];
      return list.some((r) => r.id === saved.id) ? list.map((r) => (r.id === saved.id ? saved : r)) : [...list, saved];
    });

  const failure = (prefix: string, error: unknown) =>
    message.error(isApiError(error) ? `${prefix}: ${error.localized(lang)}` : prefix);

  const toggle = async (rule: KeywordRuleView, enabled: boolean) => {
    setBusy(rule.id);
    try {
      replaceRule(await keywordRulesApi.update(rule.id, { enabled }));
    } catch (error) {
      failure(t('edit.saveFailed'), error);
    } finally {
      setBusy(null);
    }
  };

  const remove = async (rule: KeywordRuleView) => {
    setBusy(rule.id);
    try {
      await keywordRulesApi.remove(rule.id);
      rules.setData((current) => current?.filter((r) => r.id !== rule.id));
      message.success(t('integrations.deleted'));
    } catch (error) {
      failure(t('integrations.deleteFailed'), error);
    } finally {
      setBusy(null);
    }
  };

  const columns: TableColumnsType<KeywordRuleView> = [
    {
      title: t('rules.col.name'),
      dataIndex: 'name',
      key: 'name',
      render: (name: string, record) => (
        <Typography.Link onClick={() => setEditing({ rule: record })} className="table-name-link">
          {name}
        </Typography.Link>
      ),
    },
    {
      title: t('rules.col.integration'),
      dataIndex: 'integrationId',
      key: 'integrationId',
      render: (id: string | null) =>
        id === null ? <Tag>{t('rules.allIntegrations')}</Tag> : (integrationNames.get(id) ?? id),
    },
    {
      title: t('rules.col.keywords'),
      dataIndex: 'keywords',
      key: 'keywords',
      render: (keywords: string[], record) => (
        <Space size={[4, 4]} wrap>
          <Tag color={MATCH_COLOR[record.matchType]}>{t(`rules.match.${record.matchType}`)}</Tag>
          {keywords.map((k) => (
            <Tag key={k} className="keyword-tag">
              {k}
            </Tag>
          ))}
        </Space>
      ),
    },
    {
      title: t('rules.col.reply'),
      dataIndex: 'reply',
      key: 'reply',
      render: (reply: KeywordRuleView['reply']) => <ReplyPreview reply={reply} />,
    },
    { title: t('rules.col.priority'), dataIndex: 'priority', key: 'priority', width: 90 },
    {
      title: t('rules.col.enabled'),
      dataIndex: 'enabled',
      key: 'enabled',
      width: 90,
      render: (enabled: boolean, record) => (
        <Switch size="small" checked={enabled} loading={busy === record.id} onChange={(v) => void toggle(record, v)} aria-label={t('rules.col.enabled')} />
      ),
    },
    {
      title: t('integrations.col.updatedAt'),
      dataIndex: 'updatedAt',
      key: 'updatedAt',
      width: 160,
      render: (at: string) => <span className="nowrap">{formatDateTime(at)}</span>,
    },
    {
      title: t('integrations.col.actions'),
      key: 'actions',
      width: 150,
      render: (_v, record) => (
        <Space size={0}>
          <Button type="link" size="small" icon={<EditOutlined />} onClick={() => setEditing({ rule: record })}>
            {t('common.edit')}
          </Button>
          <Popconfirm
            title={t('rules.deleteConfirm', { name: record.name })}
            okText={t('common.delete')}
            cancelText={t('common.cancel')}
            okButtonProps={{ danger: true }}
            onConfirm={() => remove(record)}
          >
            <Button type="link" size="small" danger icon={<DeleteOutlined />}>
              {t('common.delete')}
            </Button>
          </Popconfirm>
        </Space>
      ),
    },
  ];

  const newButton = (
    <Button type="primary" icon={<PlusOutlined />} onClick={() => setEditing({})}>
      {t('rules.new')}
    </Button>
  );

  return (
    <div className="page">
      <PageHeader title={t('rules.title')} subTitle={t('rules.subtitle')} extra={newButton} />
      <Row gutter={[24, 24]}>
        <Col xs={24} xxl={17}>
          <Space wrap className="filters">
            <Select
              aria-label={t('rules.field.integration')}
              style={{ minWidth: 220 }}
              allowClear
              placeholder={t('conv.filter.allIntegrations')}
              value={filter}
              onChange={(v?: string) => setFilter(v)}
              options={(integrations.data ?? []).map((i) => ({ value: i.id, label: i.name }))}
            />
            <Typography.Text type="secondary">{t('rules.orderHint')}</Typography.Text>
          </Space>
          {rules.error ? (
            <LoadError error={rules.error} onRetry={rules.reload} />
          ) : (
            <Card variant="borderless" className="table-card" styles={{ body: { padding: 0 } }}>
              <Table<KeywordRuleView>
                rowKey="id"
                columns={columns}
                dataSource={sortRules(rules.data ?? [])}
                loading={rules.loading}
                pagination={(rules.data?.length ?? 0) > 20 ? { pageSize: 20, showSizeChanger: false } : false}
                scroll={{ x: 900 }}
                locale={{
                  emptyText: rules.loading ? (
                    <div style={{ height: 120 }} />
                  ) : (
                    <Empty description={t('rules.empty')} style={{ padding: '24px 0' }}>
                      {newButton}
                    </Empty>
                  ),
                }}
              />
            </Card>
          )}
        </Col>
        <Col xs={24} xxl={7}>
          <KeywordTestBox integrations={integrations.data ?? []} />
        </Col>
      </Row>
      <KeywordRuleDrawer
        open={editing !== null}
        rule={editing?.rule}
        integrations={integrations.data ?? []}
        defaultIntegrationId={filter}
        save={saveRule}
        onSaved={(saved) => {
          replaceRule(saved);
          setEditing(null);
          message.success(t('edit.saved'));
        }}
        onClose={() => setEditing(null)}
      />
    </div>
  );
}
