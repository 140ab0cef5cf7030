import type { ReactNode } from 'react';
import { DeleteOutlined, EditOutlined } from '@ant-design/icons';
import { App, Button, Card, Col, Empty, Popconfirm, Row, Space, Switch, Table, Tag, type TableColumnType, type TableProps } from 'antd';
import { isApiError } from '../../../api/client';
import { useI18n } from '../../../i18n';
import { LoadError } from '../../integrations/components/LoadError';
import { PageHeader } from '../../integrations/components/PageHeader';

interface ListPageLayoutProps {
  title: ReactNode;
  subTitle: ReactNode;
  extra: ReactNode;
  filters: ReactNode;
  /** The side column (a "try it" box). */
  side: ReactNode;
  /** The table. */
  children: ReactNode;
  /** Drawers and modals the page opens. */
  overlays?: ReactNode;
  testId?: string;
}

/** An admin list page: header, filters and a table on the left, a side card on the right (below it on narrow screens). */
export function ListPageLayout({ title, subTitle, extra, filters, side, children, overlays, testId }: ListPageLayoutProps) {
  return (
    <div className="page" data-testid={testId}>
      <PageHeader title={title} subTitle={subTitle} extra={extra} />
      <Row gutter={[24, 24]}>
        <Col xs={24} xxl={17}>
          <Space wrap className="filters">
            {filters}
          </Space>
          {children}
        </Col>
        <Col xs={24} xxl={7}>
          {side}
        </Col>
      </Row>
      {overlays}
    </div>
  );
}

type ListTableProps<T> = Omit<TableProps<T>, 'locale' | 'rowKey' | 'loading'> & {
  error: unknown;
  onRetry: () => void;
  loading: boolean;
  emptyText: string;
  /** Shown under the empty text, usually the "new" button. */
  emptyAction: ReactNode;
};

/** The list table in a borderless card, or the load error with a retry. */
export function ListTable<T extends { id: string }>({ error, onRetry, loading, emptyText, emptyAction, ...table }: ListTableProps<T>) {
  if (error) return <LoadError error={error} onRetry={onRetry} />;
  return (
    <Card variant="borderless" className="table-card" styles={{ body: { padding: 0 } }}>
      <Table<T>
        rowKey="id"
        loading={loading}
        {...table}
        locale={{
          emptyText: loading ? (
            <div style={{ height: 120 }} />
          ) : (
            <Empty description={emptyText} style={{ padding: '24px 0' }}>
              {emptyAction}
            </Empty>
          ),
        }}
      />
    </Card>
  );
}

/** Edit and delete-with-confirmation links for a table row. */
export function RowActions({ onEdit, onDelete, deleteConfirm }: { onEdit: () => void; onDelete: () => Promise<void>; deleteConfirm: string }) {
  const { t } = useI18n();
  return (
    <Space size={0}>
      <Button type="link" size="small" icon={<EditOutlined />} onClick={onEdit}>
        {t('common.edit')}
      </Button>
      <Popconfirm title={deleteConfirm} okText={t('common.delete')} cancelText={t('common.cancel')} okButtonProps={{ danger: true }} onConfirm={onDelete}>
        <Button type="link" size="small" danger icon={<DeleteOutlined />}>
          {t('common.delete')}
        </Button>
      </Popconfirm>
    </Space>
  );
}

/** The "enabled" column: a small switch per row, spinning while that row is being saved. */
export function enabledColumn<T extends { id: string; enabled: boolean }>(opts: { title: string; width: number; busyId: string | null; onToggle: (row: T, enabled: boolean) => void }): TableColumnType<T> {
  return {
    title: opts.title,
    dataIndex: 'enabled',
    key: 'enabled',
    width: opts.width,
    render: (enabled: boolean, record) => (
      <Switch size="small" checked={enabled} loading={opts.busyId === record.id} onChange={(v) => opts.onToggle(record, v)} aria-label={opts.title} />
    ),
  };
}

/** The "updated at" column, in the user's date format. */
export function updatedAtColumn<T extends { updatedAt: string }>(title: string, formatDateTime: (at: string) => string): TableColumnType<T> {
  return { title, dataIndex: 'updatedAt', key: 'updatedAt', width: 160, render: (at: string) => <span className="nowrap">{formatDateTime(at)}</span> };
}

/** An integration-scope cell: a tag for "all integrations", otherwise the integration's name (or id if unknown). */
export function ScopeCell({ id, names, allLabel }: { id: string | null; names: Map<string, string>; allLabel: string }) {
  return <>{id === null ? <Tag>{allLabel}</Tag> : (names.get(id) ?? id)}</>;
}

/** Shows a failed action as "prefix: server message" (or just the prefix when it is not an API error). */
export function useFailureToast() {
  const { lang } = useI18n();
  const { message } = App.useApp();
  return (prefix: string, error: unknown) => message.error(isApiError(error) ? `${prefix}: ${error.localized(lang)}` : prefix);
}
