import { useMemo, useState } from 'react';
import { PlusOutlined } from '@ant-design/icons';
import { App, Button, Select, Space, Tag, Typography, type TableColumnsType } from 'antd';
import { useRequest } from '../../../api/useRequest';
import { useI18n } from '../../../i18n';
import { integrationsApi } from '../../integrations/api/integrationsApi';
import { enabledColumn, ListPageLayout, ListTable, RowActions, ScopeCell, updatedAtColumn, useFailureToast } from '../../layout/components/ListPage';
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
  const { t, formatDateTime } = useI18n();
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

  const failure = useFailureToast();

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
      render: (id: string | null) => <ScopeCell id={id} names={integrationNames} allLabel={t('rules.allIntegrations')} />,
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
    enabledColumn<KeywordRuleView>({ title: t('rules.col.enabled'), width: 90, busyId: busy, onToggle: (record, v) => void toggle(record, v) }),
    updatedAtColumn<KeywordRuleView>(t('integrations.col.updatedAt'), formatDateTime),
    {
      title: t('integrations.col.actions'),
      key: 'actions',
      width: 150,
      render: (_v, record) => (
        <RowActions onEdit={() => setEditing({ rule: record })} onDelete={() => remove(record)} deleteConfirm={t('rules.deleteConfirm', { name: record.name })} />
      ),
    },
  ];

  const newButton = (
    <Button type="primary" icon={<PlusOutlined />} onClick={() => setEditing({})}>
      {t('rules.new')}
    </Button>
  );

  return (
    <ListPageLayout
      title={t('rules.title')}
      subTitle={t('rules.subtitle')}
      extra={newButton}
      filters={
        <>
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
        </>
      }
      side={<KeywordTestBox integrations={integrations.data ?? []} />}
      overlays={
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
      }
    >
      <ListTable<KeywordRuleView>
        error={rules.error}
        onRetry={rules.reload}
        loading={rules.loading}
        columns={columns}
        dataSource={sortRules(rules.data ?? [])}
        pagination={(rules.data?.length ?? 0) > 20 ? { pageSize: 20, showSizeChanger: false } : false}
        scroll={{ x: 900 }}
        emptyText={t('rules.empty')}
        emptyAction={newButton}
      />
    </ListPageLayout>
  );
}
