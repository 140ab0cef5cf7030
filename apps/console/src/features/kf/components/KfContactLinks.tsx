import { useRef, useState } from 'react';
import { DeleteOutlined, DownloadOutlined, LinkOutlined } from '@ant-design/icons';
import { App, Button, Empty, Form, Input, Popconfirm, QRCode, Space, Tag, Typography } from 'antd';
import type { KfContactLink } from '@imbridge/contracts';
import { isApiError } from '../../../api/client';
import { useI18n } from '../../../i18n';
import { kfApi } from '../api/kfApi';
import { downloadQrCanvas } from '../../layout/utils/downloadQr';

/** kf/add_contact_way's scene rule (the API checks it too). */
export const KF_SCENE_PATTERN = /^[0-9a-zA-Z_-]{1,32}$/;
const SCENE_PARAM_MAX_BYTES = 128;

const utf8Bytes = (text: string) => new TextEncoder().encode(text).length;

function LinkRow({ link, openKfId, onDelete }: { link: KfContactLink; openKfId: string; onDelete: (scene: string) => Promise<void> }) {
  const { t, formatDateTime } = useI18n();
  const qrRef = useRef<HTMLDivElement>(null);
  return (
    <li className="kf-link" data-testid="kf-link" data-scene={link.scene} style={{ display: 'flex', gap: 16, padding: '12px 0', borderTop: '1px solid rgba(5,5,5,0.06)' }}>
      <div ref={qrRef} data-testid="kf-link-qr">
        <QRCode value={link.url} size={112} bordered={false} type="canvas" />
      </div>
      <Space orientation="vertical" size={4} style={{ flex: 1, minWidth: 0 }}>
        <Space wrap size={4}>
          <Tag color="blue">{link.scene}</Tag>
          {link.sceneParam && <Typography.Text type="secondary" className="mono-small">scene_param={link.sceneParam}</Typography.Text>}
        </Space>
        <Typography.Text copyable={{ text: link.url }} className="break-all mono-small" data-testid="kf-link-url">
          {link.url}
        </Typography.Text>
        <Typography.Text type="secondary" className="small-text">
          {t('kf.links.createdAt', { time: formatDateTime(link.createdAt) })}
        </Typography.Text>
        <Space size={4}>
          <Button size="small" icon={<DownloadOutlined />} data-testid="kf-link-download" onClick={() => downloadQrCanvas(qrRef.current, `kf-${openKfId}-${link.scene}.png`)}>
            {t('kf.links.download')}
          </Button>
          <Popconfirm
            title={t('kf.links.deleteConfirm', { scene: link.scene })}
            okText={t('kf.links.delete')}
            cancelText={t('common.cancel')}
            onConfirm={() => onDelete(link.scene)}
            okButtonProps={{ 'data-testid': 'kf-link-delete-confirm' } as Record<string, string>}
          >
            <Button size="small" danger type="text" icon={<DeleteOutlined />} data-testid="kf-link-delete">
              {t('kf.links.delete')}
            </Button>
          </Popconfirm>
        </Space>
      </Space>
    </li>
  );
}

interface FormValues {
  scene: string;
  sceneParam?: string;
}

/** The contact links (URL + QR code) of one kf account, and a small form to create one. */
export function KfContactLinks({ integrationId, openKfId, links, onChange }: { integrationId: string; openKfId: string; links: KfContactLink[]; onChange: (links: KfContactLink[]) => void }) {
  const { t, lang } = useI18n();
  const { message } = App.useApp();
  const [form] = Form.useForm<FormValues>();
  const [creating, setCreating] = useState(false);

  const create = async (values: FormValues) => {
    setCreating(true);
    try {
      const sceneParam = values.sceneParam?.trim();
      const link = await kfApi.createLink(integrationId, openKfId, { scene: values.scene.trim(), ...(sceneParam ? { sceneParam } : {}) });
      onChange([...links.filter((l) => l.scene !== link.scene), link]);
      form.resetFields();
      message.success(t('kf.links.created'));
    } catch (err) {
      const problems = isApiError(err) ? err.fieldProblems : [];
      const known = problems.filter((p) => p.field === 'scene' || p.field === 'sceneParam');
      if (known.length > 0) form.setFields(known.map((p) => ({ name: p.field as keyof FormValues, errors: [lang === 'zh' ? p.message.zh : p.message.en] })));
      else message.error(isApiError(err) ? `${t('kf.links.createFailed')}: ${err.localized(lang)}` : t('kf.links.createFailed'));
    } finally {
      setCreating(false);
    }
  };

  const remove = async (scene: string) => {
    try {
      await kfApi.deleteLink(integrationId, openKfId, scene);
      onChange(links.filter((l) => l.scene !== scene));
      message.success(t('kf.links.deleted'));
    } catch (err) {
      message.error(isApiError(err) ? `${t('kf.links.deleteFailed')}: ${err.localized(lang)}` : t('kf.links.deleteFailed'));
    }
  };

  return (
    <div data-testid="kf-links">
      <Typography.Title level={5} style={{ marginTop: 0 }}>
        <LinkOutlined /> {t('kf.links')}
      </Typography.Title>
      <Typography.Paragraph type="secondary" className="small-text">
        {t('kf.links.hint')}
      </Typography.Paragraph>
      {links.length === 0 ? (
        <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('kf.links.empty')} />
      ) : (
        <ul className="plain-list">
          {links.map((link) => (
            <LinkRow key={link.scene} link={link} openKfId={openKfId} onDelete={remove} />
          ))}
        </ul>
      )}
      <Form form={form} layout="inline" onFinish={(v) => void create(v)} style={{ marginTop: 12, rowGap: 8 }}>
        <Form.Item
          name="scene"
          rules={[
            { required: true, message: t('kf.links.sceneRule') },
            { pattern: KF_SCENE_PATTERN, message: t('kf.links.sceneRule') },
          ]}
        >
          <Input aria-label={t('kf.links.scene')} placeholder={t('kf.links.scene')} maxLength={32} style={{ width: 160 }} />
        </Form.Item>
        <Form.Item
          name="sceneParam"
          rules={[{ validator: (_, value: unknown) => (typeof value === 'string' && utf8Bytes(value) > SCENE_PARAM_MAX_BYTES ? Promise.reject(new Error(t('kf.links.sceneParamRule'))) : Promise.resolve()) }]}
        >
          <Input aria-label={t('kf.links.sceneParam')} placeholder={t('kf.links.sceneParam')} style={{ width: 200 }} />
        </Form.Item>
        <Form.Item>
          <Button htmlType="submit" loading={creating} data-testid="kf-create-link">
            {t('kf.links.create')}
          </Button>
        </Form.Item>
      </Form>
    </div>
  );
}
