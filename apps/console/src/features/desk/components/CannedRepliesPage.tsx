import { useState } from 'react';
import { DeleteOutlined, EditOutlined, PlusOutlined, ReloadOutlined } from '@ant-design/icons';
import { Alert, App, Button, Card, Empty, Form, Input, Modal, Popconfirm, Space, Table, Typography, type TableColumnsType } from 'antd';
import type { CannedReplyView } from '@imbridge/contracts';
import { isApiError } from '../../../api/client';
import { useRequest } from '../../../api/useRequest';
import { useI18n } from '../../../i18n';
import { useAuth } from '../../auth/hooks/useAuth';
import { LoadError } from '../../integrations/components/LoadError';
import { PageHeader } from '../../integrations/components/PageHeader';
import { deskApi, type CannedReplyInput } from '../api/deskApi';

const SHORTCUT = /^[A-Za-z0-9_-]{1,32}$/;

interface FormValues {
  shortcut: string;
  title?: string;
  text: string;
}

/** /canned-replies — everyone sees them (they are used in the composer with `/`); admins edit. */
export function CannedRepliesPage() {
  const { t, lang, formatDateTime } = useI18n();
  const { user } = useAuth();
  const { message } = App.useApp();
  const isAdmin = user?.role === 'admin';
  const replies = useRequest((signal) => deskApi.cannedReplies(signal), 'canned-replies');
  const [editing, setEditing] = useState<CannedReplyView | 'new' | null>(null);
  const [saving, setSaving] = useState(false);
  const [saveError, setSaveError] = useState<string | null>(null);
  const [form] = Form.useForm<FormValues>();

  const open = (target: CannedReplyView | 'new') => {
    setEditing(target);
    setSaveError(null);
    form.setFieldsValue(target === 'new' ? { shortcut: '', title: '', text: '' } : { shortcut: target.shortcut, title: target.title, text: target.text });
  };

  const save = async (values: FormValues) => {
    const input: CannedReplyInput = { shortcut: values.shortcut.trim(), title: values.title?.trim() ?? '', text: values.text };
    setSaving(true);
    setSaveError(null);
    try {
      const saved = editing && editing !== 'new' ? await deskApi.updateCannedReply(editing.id, input) : await deskApi.createCannedReply(input);
      replies.setData((current) => [...(current ?? []).filter((r) => r.id !== saved.id), saved]);
      setEditing(null);
      message.success(t('desk.canned.saved'));
    } catch (err) {
      // 409: the shortcut is taken; the server says so in both languages.
      setSaveError(isApiError(err) ? `${t('desk.canned.saveFailed')}: ${err.localized(lang)}` : t('desk.canned.saveFailed'));
    } finally {
      setSaving(false);
    }
  };

  const remove = async (reply: CannedReplyView) => {
    try {
      await deskApi.deleteCannedReply(reply.id);
      replies.setData((current) => (current ?? []).filter((r) => r.id !== reply.id));
      message.success(t('desk.canned.deleted'));
    } catch (err) {
      message.error(isApiError(err) ? `${t('desk.canned.deleteFailed')}: ${err.localized(lang)}` : t('desk.canned.deleteFailed'));
    }
  };

  const columns: TableColumnsType<CannedReplyView> = [
    {
      title: t('desk.canned.col.shortcut'),
      dataIndex: 'shortcut',
      key: 'shortcut',
      width: 160,
      render: (shortcut: string) => <Typography.Text code>/{shortcut}</Typography.Text>,
    },
    { title: t('desk.canned.col.title'), dataIndex: 'title', key: 'title', width: 200, ellipsis: true },
    {
      title: t('desk.canned.col.text'),
      dataIndex: 'text',
      key: 'text',
      render: (text: string) => <span className="msg__text">{text}</span>,
    },
    {
      title: t('desk.canned.col.updatedAt'),
      dataIndex: 'updatedAt',
      key: 'updatedAt',
      width: 170,
      render: (at: string) => <span className="nowrap">{formatDateTime(at)}</span>,
    },
    ...(isAdmin
      ? [
          {
            title: t('desk.canned.col.actions'),
            key: 'actions',
            width: 120,
            render: (_v: unknown, reply: CannedReplyView) => (
              <Space size={4}>
                <Button size="small" type="text" icon={<EditOutlined />} aria-label={t('common.edit')} onClick={() => open(reply)} />
                <Popconfirm
                  title={t('desk.canned.deleteConfirm', { shortcut: reply.shortcut })}
                  okText={t('common.delete')}
                  cancelText={t('common.cancel')}
                  okButtonProps={{ danger: true }}
                  onConfirm={() => remove(reply)}
                >
                  <Button size="small" type="text" danger icon={<DeleteOutlined />} aria-label={t('common.delete')} />
                </Popconfirm>
              </Space>
            ),
          },
        ]
      : []),
  ];

  const rows = [...(replies.data ?? [])].sort((a, b) => a.shortcut.localeCompare(b.shortcut));

  return (
    <div className="page" data-testid="canned-replies-page">
      <PageHeader
        title={t('desk.canned.title')}
        subTitle={t('desk.canned.subtitle')}
        extra={
          <Space>
            <Button icon={<ReloadOutlined />} onClick={replies.reload}>
              {t('common.refresh')}
            </Button>
            {isAdmin && (
              <Button type="primary" icon={<PlusOutlined />} onClick={() => open('new')} data-testid="canned-new">
                {t('desk.canned.new')}
              </Button>
            )}
          </Space>
        }
      />
      {!isAdmin && <Alert type="info" showIcon title={t('desk.canned.adminOnly')} style={{ marginBottom: 12 }} />}
      {replies.error && !replies.data ? (
        <LoadError error={replies.error} onRetry={replies.reload} />
      ) : (
        <Card variant="borderless" className="table-card" styles={{ body: { padding: 0 } }}>
          <Table<CannedReplyView>
            rowKey="id"
            columns={columns}
            dataSource={rows}
            loading={replies.loading && !replies.data}
            pagination={rows.length > 50 ? { pageSize: 50 } : false}
            locale={{ emptyText: <Empty description={t('desk.canned.empty')} /> }}
          />
        </Card>
      )}
      <Modal
        open={editing !== null}
        title={editing === 'new' ? t('desk.canned.new') : t('desk.canned.edit')}
        okText={t('common.save')}
        cancelText={t('common.cancel')}
        confirmLoading={saving}
        onOk={() => form.submit()}
        onCancel={() => setEditing(null)}
        forceRender
      >
        {saveError && <Alert type="error" showIcon title={saveError} style={{ marginBottom: 12 }} />}
        <Form form={form} layout="vertical" onFinish={(values) => void save(values)}>
          <Form.Item
            name="shortcut"
            label={t('desk.canned.col.shortcut')}
            extra={t('desk.canned.shortcutRule')}
            rules={[{ required: true, pattern: SHORTCUT, message: t('desk.canned.shortcutRule') }]}
          >
            <Input prefix="/" maxLength={32} autoComplete="off" />
          </Form.Item>
          <Form.Item name="title" label={t('desk.canned.col.title')}>
            <Input maxLength={100} />
          </Form.Item>
          <Form.Item name="text" label={t('desk.canned.col.text')} rules={[{ required: true, whitespace: true, message: t('desk.canned.textRequired') }]}>
            <Input.TextArea autoSize={{ minRows: 3, maxRows: 10 }} maxLength={4000} showCount />
          </Form.Item>
        </Form>
      </Modal>
    </div>
  );
}
