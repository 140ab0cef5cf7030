import { useMemo, useState } from 'react';
import { DownloadOutlined, FileExcelOutlined, PlusOutlined, UploadOutlined } from '@ant-design/icons';
import { App, Button, Dropdown, Input, Select, Space, Tag, Typography, type TableColumnsType } from 'antd';
import { useRequest } from '../../../api/useRequest';
import { useI18n } from '../../../i18n';
import { integrationsApi } from '../../integrations/api/integrationsApi';
import { enabledColumn, ListPageLayout, ListTable, RowActions, ScopeCell, updatedAtColumn, useFailureToast } from '../../layout/components/ListPage';
import { faqApi, type FaqEntryView, type FaqFileFormat } from '../api/faqApi';
import { ALL_SCOPE, FaqEntryDrawer, type FaqSaveRequest } from './FaqEntryDrawer';
import { FaqImportModal } from './FaqImportModal';
import { FaqTestBox } from './FaqTestBox';

const PAGE_SIZE = 20;

const saveEntry = (request: FaqSaveRequest) => (request.kind === 'create' ? faqApi.create(request.body) : faqApi.update(request.id, request.body));

/** /faq — the FAQ knowledge base the bot answers from. */
export function FaqPage() {
  const { t, formatDateTime } = useI18n();
  const { message } = App.useApp();
  const [q, setQ] = useState('');
  const [category, setCategory] = useState<string | undefined>(undefined);
  const [scope, setScope] = useState<string | undefined>(undefined);
  const [page, setPage] = useState(1);
  const query = { q: q || undefined, category, integrationId: scope === ALL_SCOPE ? 'null' : scope, limit: PAGE_SIZE, offset: (page - 1) * PAGE_SIZE };
  const entries = useRequest((signal) => faqApi.list(query, signal), `faq:${JSON.stringify(query)}`);
  const categories = useRequest((signal) => faqApi.categories(signal), 'faq-categories');
  const integrations = useRequest((signal) => integrationsApi.list(signal), 'integrations');
  const integrationNames = useMemo(() => new Map((integrations.data ?? []).map((i) => [i.id, i.name] as const)), [integrations.data]);
  const [editing, setEditing] = useState<{ entry?: FaqEntryView } | null>(null);
  const [importing, setImporting] = useState(false);
  const [busy, setBusy] = useState<string | null>(null);

  const failure = useFailureToast();

  const refresh = () => {
    entries.reload();
    categories.reload();
  };

  const toggle = async (entry: FaqEntryView, enabled: boolean) => {
    setBusy(entry.id);
    try {
      const saved = await faqApi.update(entry.id, { enabled });
      entries.setData((cur) => cur && { ...cur, items: cur.items.map((e) => (e.id === saved.id ? saved : e)) });
    } catch (error) {
      failure(t('faq.saveFailed'), error);
    } finally {
      setBusy(null);
    }
  };

  const remove = async (entry: FaqEntryView) => {
    setBusy(entry.id);
    try {
      await faqApi.remove(entry.id);
      message.success(t('faq.deleted'));
      refresh();
    } catch (error) {
      failure(t('faq.deleteFailed'), error);
    } finally {
      setBusy(null);
    }
  };

  const download = async (kind: 'export' | 'template', format: FaqFileFormat) => {
    try {
      await (kind === 'export' ? faqApi.export(format) : faqApi.template(format));
    } catch (error) {
      failure(t('faq.exportFailed'), error);
    }
  };

  const columns: TableColumnsType<FaqEntryView> = [
    {
      title: t('faq.col.question'),
      dataIndex: 'question',
      key: 'question',
      // The standard question is what admins scan for: never squeezed to a character per line.
      width: 200,
      render: (question: string, record) => (
        <Typography.Link onClick={() => setEditing({ entry: record })} className="table-name-link">
          {question}
        </Typography.Link>
      ),
    },
    {
      title: t('faq.col.similar'),
      dataIndex: 'similarQuestions',
      key: 'similar',
      width: 220,
      render: (similar: string[]) => (
        <Space size={[4, 4]} wrap>
          {similar.slice(0, 3).map((s) => (
            <Tag key={s}>{s}</Tag>
          ))}
          {similar.length > 3 && <Tag>+{similar.length - 3}</Tag>}
        </Space>
      ),
    },
    {
      title: t('faq.col.answer'),
      dataIndex: 'answer',
      key: 'answer',
      render: (answer: string) => (
        <Typography.Paragraph ellipsis={{ rows: 2 }} style={{ marginBottom: 0, whiteSpace: 'pre-wrap' }}>
          {answer}
        </Typography.Paragraph>
      ),
    },
    { title: t('faq.col.category'), dataIndex: 'category', key: 'category', width: 110, render: (c: string) => (c ? <Tag color="blue">{c}</Tag> : t('common.none')) },
    {
      title: t('faq.col.scope'),
      dataIndex: 'integrationId',
      key: 'scope',
      width: 140,
      render: (id: string | null) => <ScopeCell id={id} names={integrationNames} allLabel={t('faq.allIntegrations')} />,
    },
    enabledColumn<FaqEntryView>({ title: t('faq.col.enabled'), width: 80, busyId: busy, onToggle: (record, v) => void toggle(record, v) }),
    updatedAtColumn<FaqEntryView>(t('faq.col.updatedAt'), formatDateTime),
    {
      title: t('faq.col.actions'),
      key: 'actions',
      width: 150,
      render: (_v, record) => (
        <RowActions
          onEdit={() => setEditing({ entry: record })}
          onDelete={() => remove(record)}
          deleteConfirm={t('faq.deleteConfirm', { question: record.question.slice(0, 40) })}
        />
      ),
    },
  ];

  const newButton = (
    <Button type="primary" icon={<PlusOutlined />} onClick={() => setEditing({})}>
      {t('faq.new')}
    </Button>
  );
  const fileMenu = (kind: 'export' | 'template') => ({
    items: [
      { key: 'xlsx', label: 'Excel (.xlsx)', icon: <FileExcelOutlined /> },
      { key: 'csv', label: 'CSV (.csv)' },
    ],
    onClick: ({ key }: { key: string }) => void download(kind, key as FaqFileFormat),
  });
  const extra = (
    <Space wrap>
      <Button icon={<UploadOutlined />} onClick={() => setImporting(true)} data-testid="faq-import">
        {t('faq.import')}
      </Button>
      <Dropdown menu={fileMenu('export')}>
        <Button icon={<DownloadOutlined />}>{t('faq.export')}</Button>
      </Dropdown>
      <Dropdown menu={fileMenu('template')}>
        <Button type="text">{t('faq.template')}</Button>
      </Dropdown>
      {newButton}
    </Space>
  );

  const total = entries.data?.total ?? 0;
  const filters = (
    <>
      <Input.Search
        aria-label={t('faq.search')}
        placeholder={t('faq.search')}
        allowClear
        style={{ width: 260 }}
        onSearch={(v) => {
          setQ(v.trim());
          setPage(1);
        }}
      />
      <Select
        aria-label={t('faq.col.category')}
        style={{ minWidth: 160 }}
        allowClear
        placeholder={t('faq.allCategories')}
        value={category}
        onChange={(v?: string) => {
          setCategory(v);
          setPage(1);
        }}
        options={(categories.data ?? []).map((c) => ({ value: c, label: c }))}
      />
      <Select
        aria-label={t('faq.col.scope')}
        style={{ minWidth: 200 }}
        allowClear
        placeholder={t('faq.allScopes')}
        value={scope}
        onChange={(v?: string) => {
          setScope(v);
          setPage(1);
        }}
        options={[{ value: ALL_SCOPE, label: t('faq.allIntegrations') }, ...(integrations.data ?? []).map((i) => ({ value: i.id, label: i.name }))]}
      />
    </>
  );

  return (
    <ListPageLayout
      testId="faq-page"
      title={t('faq.title')}
      subTitle={t('faq.subtitle')}
      extra={extra}
      filters={filters}
      side={<FaqTestBox integrations={integrations.data ?? []} />}
      overlays={
        <>
          <FaqEntryDrawer
            open={editing !== null}
            entry={editing?.entry}
            integrations={integrations.data ?? []}
            categories={categories.data ?? []}
            save={saveEntry}
            onSaved={() => {
              setEditing(null);
              message.success(t('faq.saved'));
              refresh();
            }}
            onClose={() => setEditing(null)}
          />
          <FaqImportModal open={importing} integrations={integrations.data ?? []} onClose={() => setImporting(false)} onImported={refresh} />
        </>
      }
    >
      <ListTable<FaqEntryView>
        error={entries.error}
        onRetry={entries.reload}
        loading={entries.loading}
        columns={columns}
        dataSource={entries.data?.items ?? []}
        pagination={{ current: page, pageSize: PAGE_SIZE, total, showSizeChanger: false, hideOnSinglePage: true, onChange: setPage, showTotal: (n) => t('faq.total', { count: n }) }}
        scroll={{ x: 1000 }}
        emptyText={t('faq.empty')}
        emptyAction={newButton}
      />
    </ListPageLayout>
  );
}
