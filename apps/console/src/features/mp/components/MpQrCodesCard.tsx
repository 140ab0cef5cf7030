import { useRef, useState } from 'react';
import { DeleteOutlined, DownloadOutlined, EditOutlined, ExportOutlined, QrcodeOutlined, ReloadOutlined } from '@ant-design/icons';
import { Alert, App, Button, Card, Col, Empty, Form, Input, InputNumber, Popconfirm, QRCode, Row, Skeleton, Space, Switch, Tag, Typography } from 'antd';
import type { CreateMpQrCodeRequest, MpQrCodeView } from '@imbridge/contracts';
import { isApiError, type ApiError } from '../../../api/client';
import { useRequest } from '../../../api/useRequest';
import { useI18n } from '../../../i18n';
import { mpApi } from '../api/mpApi';
import { downloadQrCanvas } from '../../layout/utils/downloadQr';

/** scene_str's rule (the API checks it too). */
export const MP_SCENE_PATTERN = /^[0-9a-zA-Z_-]{1,64}$/;
export const MP_QR_MAX_DAYS = 30;
const DAY_SECONDS = 86_400;

/** GET …/qrcodes: a list (or a `{ items }` page). */
const listOf = (value: unknown): MpQrCodeView[] =>
  Array.isArray(value) ? (value as MpQrCodeView[]) : Array.isArray((value as { items?: unknown } | null)?.items) ? (value as { items: MpQrCodeView[] }).items : [];

interface RowProps {
  integrationId: string;
  code: MpQrCodeView;
  onSaved: (code: MpQrCodeView) => void;
  onDelete: (code: MpQrCodeView) => Promise<void>;
}

function QrCodeRow({ integrationId, code, onSaved, onDelete }: RowProps) {
  const { t, lang, formatDateTime } = useI18n();
  const { message } = App.useApp();
  const qrRef = useRef<HTMLDivElement>(null);
  const [editing, setEditing] = useState(false);
  const [welcome, setWelcome] = useState(code.welcomeText ?? '');
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<ApiError | string | null>(null);
  const expired = !code.permanent && !!code.expiresAt && Date.parse(code.expiresAt) <= Date.now();

  const saveWelcome = async () => {
    setSaving(true);
    setError(null);
    try {
      const saved = await mpApi.updateQrCode(integrationId, code.id, { welcomeText: welcome.trim() ? welcome : null });
      onSaved(saved);
      setEditing(false);
      message.success(t('mp.qr.welcomeSaved'));
    } catch (err) {
      setError(isApiError(err) ? err : t('mp.qr.saveFailed'));
    } finally {
      setSaving(false);
    }
  };

  const welcomeError = error === null ? null : typeof error === 'string' ? error : (error.fieldProblems.find((p) => p.field === 'welcomeText')?.message[lang] ?? `${t('mp.qr.saveFailed')}: ${error.localized(lang)}`);

  return (
    <li data-testid="mp-qr" data-qr-id={code.id} data-scene={code.scene} style={{ display: 'flex', gap: 16, padding: '12px 0', borderTop: '1px solid rgba(5,5,5,0.06)' }}>
      <div ref={qrRef} data-testid="mp-qr-image" style={{ opacity: expired ? 0.4 : 1 }}>
        <QRCode value={code.url} size={120} bordered={false} type="canvas" />
      </div>
      <Space orientation="vertical" size={4} style={{ flex: 1, minWidth: 0 }}>
        <Space wrap size={6}>
          <Typography.Text strong data-testid="mp-qr-name">
            {code.name}
          </Typography.Text>
          <Tag color="blue" data-testid="mp-qr-scene">
            {code.scene}
          </Tag>
          {code.permanent ? (
            <Tag color="purple" data-testid="mp-qr-kind" data-permanent="true">
              {t('mp.qr.permanent')}
            </Tag>
          ) : (
            <Tag data-testid="mp-qr-kind" data-permanent="false">
              {t('mp.qr.temporary')}
            </Tag>
          )}
          {!code.permanent && code.expiresAt && (
            <Typography.Text type={expired ? 'danger' : 'secondary'} className="small-text" data-testid="mp-qr-expiry">
              {expired ? t('mp.qr.expired') : t('mp.qr.expiresAt', { time: formatDateTime(code.expiresAt) })}
            </Typography.Text>
          )}
        </Space>
        <Typography.Text copyable={{ text: code.url }} className="break-all mono-small" data-testid="mp-qr-url">
          {code.url}
        </Typography.Text>
        {editing ? (
          <Space orientation="vertical" size={4} style={{ width: '100%' }}>
            <Input.TextArea
              aria-label={t('mp.qr.welcomeText')}
              value={welcome}
              autoSize={{ minRows: 2, maxRows: 6 }}
              status={welcomeError ? 'error' : undefined}
              onChange={(e) => setWelcome(e.target.value)}
              data-testid="mp-qr-welcome-input"
            />
            {welcomeError && (
              <Typography.Text type="danger" className="small-text" data-testid="mp-qr-welcome-error">
                {welcomeError}
              </Typography.Text>
            )}
            <Space size={4}>
              <Button size="small" type="primary" loading={saving} onClick={() => void saveWelcome()} data-testid="mp-qr-welcome-save">
                {t('common.save')}
              </Button>
              <Button
                size="small"
                onClick={() => {
                  setEditing(false);
                  setWelcome(code.welcomeText ?? '');
                  setError(null);
                }}
              >
                {t('common.cancel')}
              </Button>
            </Space>
          </Space>
        ) : (
          <Space size={4} align="start">
            <Typography.Text type={code.welcomeText ? undefined : 'secondary'} className="pre-wrap" data-testid="mp-qr-welcome">
              {t('mp.qr.welcomeText')}
              {lang === 'zh' ? '：' : ': '}
              {code.welcomeText ?? t('mp.qr.welcomeDefault')}
            </Typography.Text>
            <Button size="small" type="link" icon={<EditOutlined />} onClick={() => setEditing(true)} data-testid="mp-qr-welcome-edit" aria-label={t('mp.qr.editWelcome')} />
          </Space>
        )}
        <Typography.Text type="secondary" className="small-text">
          {t('mp.qr.createdAt', { time: formatDateTime(code.createdAt) })}
        </Typography.Text>
        <Space size={4} wrap>
          <Button size="small" icon={<DownloadOutlined />} data-testid="mp-qr-download" onClick={() => downloadQrCanvas(qrRef.current, `mp-qr-${code.scene}.png`)}>
            {t('mp.qr.download')}
          </Button>
          {code.imageUrl && (
            <Button size="small" type="link" icon={<ExportOutlined />} href={code.imageUrl} target="_blank" rel="noopener noreferrer" data-testid="mp-qr-official">
              {t('mp.qr.officialImage')}
            </Button>
          )}
          <Popconfirm
            title={t(code.permanent ? 'mp.qr.deleteConfirmPermanent' : 'mp.qr.deleteConfirmTemporary', { name: code.name })}
            okText={t('mp.qr.delete')}
            cancelText={t('common.cancel')}
            onConfirm={() => onDelete(code)}
            okButtonProps={{ danger: true, ...({ 'data-testid': 'mp-qr-delete-confirm' } as Record<string, string>) }}
          >
            <Button size="small" danger type="text" icon={<DeleteOutlined />} data-testid="mp-qr-delete">
              {t('mp.qr.delete')}
            </Button>
          </Popconfirm>
        </Space>
      </Space>
    </li>
  );
}

interface FormValues {
  name: string;
  scene: string;
  permanent: boolean;
  expireDays?: number | null;
  welcomeText?: string;
}

const FORM_FIELD: Record<string, keyof FormValues> = { name: 'name', scene: 'scene', expireSeconds: 'expireDays', welcomeText: 'welcomeText', permanent: 'permanent' };

/** The request for the form's values: temporary codes in seconds, an empty welcome as none. */
export function createRequestOf(values: FormValues): CreateMpQrCodeRequest {
  const welcome = values.welcomeText?.trim() ? values.welcomeText : null;
  return {
    name: values.name.trim(),
    scene: values.scene.trim(),
    permanent: values.permanent,
    ...(values.permanent ? {} : { expireSeconds: Math.round((values.expireDays ?? MP_QR_MAX_DAYS) * DAY_SECONDS) }),
    welcomeText: welcome,
  };
}

function CreateForm({ integrationId, onCreated }: { integrationId: string; onCreated: (code: MpQrCodeView) => void }) {
  const { t, lang } = useI18n();
  const { message } = App.useApp();
  const [form] = Form.useForm<FormValues>();
  const permanent = Form.useWatch('permanent', form);
  const [creating, setCreating] = useState(false);
  const [failure, setFailure] = useState<ApiError | string | null>(null);

  const create = async (values: FormValues) => {
    setCreating(true);
    setFailure(null);
    try {
      const code = await mpApi.createQrCode(integrationId, createRequestOf(values));
      onCreated(code);
      form.resetFields();
      message.success(t('mp.qr.created'));
    } catch (err) {
      if (!isApiError(err)) {
        setFailure(t('mp.qr.createFailed'));
        return;
      }
      const placed = err.fieldProblems.filter((p) => FORM_FIELD[p.field]);
      if (placed.length > 0) form.setFields(placed.map((p) => ({ name: FORM_FIELD[p.field]!, errors: [p.message[lang]] })));
      // A scene another code has: on the scene field.
      else if (err.code === 'SCENE_TAKEN') form.setFields([{ name: 'scene', errors: [err.localized(lang)] }]);
      else setFailure(err);
    } finally {
      setCreating(false);
    }
  };

  return (
    <Form<FormValues>
      form={form}
      name="mp-qr"
      layout="vertical"
      initialValues={{ permanent: false, expireDays: MP_QR_MAX_DAYS, name: '', scene: '', welcomeText: '' }}
      onFinish={(v) => void create(v)}
      data-testid="mp-qr-form"
    >
      <Typography.Title level={5} style={{ marginTop: 0 }}>
        {t('mp.qr.createTitle')}
      </Typography.Title>
      <Form.Item name="name" label={t('mp.qr.name')} rules={[{ required: true, whitespace: true, message: t('mp.qr.rule.name') }]}>
        <Input aria-label={t('mp.qr.name')} maxLength={64} />
      </Form.Item>
      <Form.Item
        name="scene"
        label={t('mp.qr.scene')}
        rules={[
          { required: true, message: t('mp.qr.rule.scene') },
          { pattern: MP_SCENE_PATTERN, message: t('mp.qr.rule.scene') },
        ]}
      >
        <Input aria-label={t('mp.qr.scene')} maxLength={64} className="mono-input" spellCheck={false} />
      </Form.Item>
      <Form.Item name="permanent" label={t('mp.qr.permanent')} valuePropName="checked">
        <Switch aria-label={t('mp.qr.permanent')} data-testid="mp-qr-permanent" />
      </Form.Item>
      {!permanent && (
        <Form.Item
          name="expireDays"
          label={t('mp.qr.expireDays')}
          rules={[{ required: true, type: 'number', min: 1, max: MP_QR_MAX_DAYS, message: t('mp.qr.rule.days') }]}
        >
          <InputNumber aria-label={t('mp.qr.expireDays')} min={1} max={MP_QR_MAX_DAYS} precision={0} style={{ width: 140 }} />
        </Form.Item>
      )}
      <Form.Item name="welcomeText" label={t('mp.qr.welcomeText')} extra={t('mp.qr.welcomeText.hint')}>
        <Input.TextArea aria-label={t('mp.qr.welcomeText')} autoSize={{ minRows: 2, maxRows: 6 }} />
      </Form.Item>
      {failure && (
        <Alert
          type="error"
          showIcon
          style={{ marginBottom: 12 }}
          data-testid="mp-qr-create-error"
          title={typeof failure === 'string' ? failure : `${t('mp.qr.createFailed')}: ${failure.localized(lang)}`}
        />
      )}
      <Button type="primary" htmlType="submit" loading={creating} data-testid="mp-qr-create">
        {t('mp.qr.create')}
      </Button>
    </Form>
  );
}

/** 「带参数二维码」 of a 公众号 integration: list (drawn from `url`), create, edit the welcome text, delete. */
export function MpQrCodesCard({ integrationId }: { integrationId: string }) {
  const { t, lang } = useI18n();
  const { message } = App.useApp();
  const list = useRequest(async (signal) => listOf(await mpApi.qrCodes(integrationId, signal)), `mp-qrcodes:${integrationId}`);
  const codes = list.data;

  const remove = async (code: MpQrCodeView) => {
    try {
      await mpApi.deleteQrCode(integrationId, code.id);
      list.setData((current) => current?.filter((c) => c.id !== code.id));
      message.success(t('mp.qr.deleted'));
    } catch (err) {
      message.error(isApiError(err) ? `${t('mp.qr.deleteFailed')}: ${err.localized(lang)}` : t('mp.qr.deleteFailed'));
    }
  };

  let listBody;
  if (list.loading && !codes) listBody = <Skeleton active paragraph={{ rows: 4 }} />;
  else if (!codes)
    listBody = (
      <Alert
        type="error"
        showIcon
        data-testid="mp-qr-load-error"
        title={t('mp.qr.loadFailed')}
        description={isApiError(list.error) ? list.error.localized(lang) : t('common.unexpectedError')}
      />
    );
  else if (codes.length === 0) listBody = <Empty data-testid="mp-qr-empty" image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('mp.qr.empty')} />;
  else
    listBody = (
      <ul className="plain-list" data-testid="mp-qr-list">
        {codes.map((code) => (
          <QrCodeRow
            key={code.id}
            integrationId={integrationId}
            code={code}
            onDelete={remove}
            onSaved={(saved) => list.setData((current) => current?.map((c) => (c.id === saved.id ? saved : c)))}
          />
        ))}
      </ul>
    );

  return (
    <Card
      data-testid="mp-qrcodes-card"
      title={
        <span className="card-title">
          <QrcodeOutlined /> {t('mp.qr.title')}
        </span>
      }
      extra={
        <Button size="small" icon={<ReloadOutlined />} loading={list.loading && !!codes} onClick={list.reload} data-testid="mp-qr-reload">
          {t('mp.qr.reload')}
        </Button>
      }
    >
      <Typography.Paragraph type="secondary">{t('mp.qr.hint')}</Typography.Paragraph>
      <Row gutter={[24, 16]}>
        <Col xs={24} lg={15}>
          {listBody}
        </Col>
        <Col xs={24} lg={9}>
          <CreateForm integrationId={integrationId} onCreated={(code) => list.setData((current) => [code, ...(current ?? []).filter((c) => c.id !== code.id)])} />
        </Col>
      </Row>
    </Card>
  );
}
