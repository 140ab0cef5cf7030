import { useEffect, useState } from 'react';
import { InboxOutlined } from '@ant-design/icons';
import { Alert, Button, Checkbox, Modal, Radio, Select, Space, Table, Tag, Typography, Upload } from 'antd';
import type { IntegrationView } from '@imbridge/contracts';
import { isApiError } from '../../../api/client';
import { useI18n } from '../../../i18n';
import { faqApi, importContentType, type FaqImportReport } from '../api/faqApi';
import { ALL_SCOPE } from './FaqEntryDrawer';

interface FaqImportModalProps {
  open: boolean;
  integrations: IntegrationView[];
  onClose: () => void;
  /** After a real import changed something. */
  onImported: () => void;
}

interface Picked {
  name: string;
  bytes: ArrayBuffer;
  contentType: string;
}

/** Import in two steps: a dry run that shows the report and row errors, then the real import. */
export function FaqImportModal({ open, integrations, onClose, onImported }: FaqImportModalProps) {
  const { t, pick, lang } = useI18n();
  const [file, setFile] = useState<Picked | null>(null);
  const [mode, setMode] = useState<'append' | 'replace'>('append');
  const [scope, setScope] = useState<string>(ALL_SCOPE);
  const [skipInvalid, setSkipInvalid] = useState(false);
  const [report, setReport] = useState<{ dryRun: boolean; data: FaqImportReport } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    if (!open) return;
    setFile(null);
    setReport(null);
    setError(null);
    setMode('append');
    setScope(ALL_SCOPE);
    setSkipInvalid(false);
  }, [open]);

  // Any change of the inputs invalidates an earlier check.
  useEffect(() => setReport(null), [file, mode, scope, skipInvalid]);

  const run = async (dryRun: boolean) => {
    if (!file) return;
    setBusy(true);
    setError(null);
    try {
      const data = await faqApi.import(file.bytes, file.contentType, { mode, dryRun, skipInvalid, integrationId: scope === ALL_SCOPE ? undefined : scope });
      setReport({ dryRun, data });
      if (!dryRun && data.applied !== false) onImported();
    } catch (err) {
      setReport(null);
      setError(isApiError(err) ? err.localized(lang) : t('common.unexpectedError'));
    } finally {
      setBusy(false);
    }
  };

  const blocked = report !== null && !report.dryRun && report.data.applied === false;
  const done = report !== null && !report.dryRun && !blocked;
  const canConfirm = report?.dryRun === true && (report.data.errors.length === 0 || skipInvalid);

  return (
    <Modal
      open={open}
      onCancel={onClose}
      title={t('faq.importTitle')}
      width={720}
      destroyOnHidden
      footer={
        <Space>
          <Button onClick={onClose}>{done ? t('common.back') : t('common.cancel')}</Button>
          {!done && (
            <Button onClick={() => void run(true)} loading={busy && !canConfirm} disabled={!file} data-testid="faq-import-check">
              {t('faq.importCheck')}
            </Button>
          )}
          {!done && (
            <Button type="primary" danger={mode === 'replace'} onClick={() => void run(false)} loading={busy && canConfirm} disabled={!canConfirm} data-testid="faq-import-confirm">
              {t('faq.importConfirm')}
            </Button>
          )}
        </Space>
      }
    >
      <Typography.Paragraph type="secondary">{t('faq.importHint')}</Typography.Paragraph>
      <Upload.Dragger
        accept=".csv,.xlsx"
        maxCount={1}
        showUploadList={false}
        beforeUpload={(f) => {
          const contentType = importContentType(f);
          if (!contentType) {
            setError(t('faq.importUnsupported'));
            return Upload.LIST_IGNORE;
          }
          void f.arrayBuffer().then((bytes) => setFile({ name: f.name, bytes, contentType }));
          setError(null);
          return false; // we send the bytes ourselves
        }}
        data-testid="faq-import-upload"
      >
        <p className="ant-upload-drag-icon">
          <InboxOutlined />
        </p>
        <p className="ant-upload-text">{file ? file.name : t('faq.importPick')}</p>
      </Upload.Dragger>
      <Space orientation="vertical" style={{ width: '100%', marginTop: 16 }}>
        <Space wrap>
          <Typography.Text>{t('faq.importScope')}</Typography.Text>
          <Select
            aria-label={t('faq.importScope')}
            style={{ minWidth: 220 }}
            value={scope}
            onChange={setScope}
            options={[{ value: ALL_SCOPE, label: t('faq.allIntegrations') }, ...integrations.map((i) => ({ value: i.id, label: i.name }))]}
          />
        </Space>
        <Radio.Group value={mode} onChange={(e) => setMode(e.target.value as 'append' | 'replace')} aria-label={t('faq.importMode')}>
          <Space orientation="vertical">
            <Radio value="append">{t('faq.importAppend')}</Radio>
            <Radio value="replace">{t('faq.importReplace')}</Radio>
          </Space>
        </Radio.Group>
        <Checkbox checked={skipInvalid} onChange={(e) => setSkipInvalid(e.target.checked)}>
          {t('faq.importSkipInvalid')}
        </Checkbox>
      </Space>
      {error && <Alert type="error" showIcon style={{ marginTop: 16 }} title={`${t('faq.importFailed')}: ${error}`} />}
      {report && (
        <div style={{ marginTop: 16 }} data-testid="faq-import-report">
          <Alert
            type={blocked ? 'error' : report.dryRun ? 'info' : 'success'}
            showIcon
            title={blocked ? t('faq.importBlocked') : report.dryRun ? t('faq.importChecked') : t('faq.importDone')}
            description={
              <Space wrap>
                <Tag color="green">{t('faq.report.created', { count: report.data.created })}</Tag>
                <Tag color="blue">{t('faq.report.updated', { count: report.data.updated })}</Tag>
                {report.data.deleted > 0 && <Tag color="red">{t('faq.report.deleted', { count: report.data.deleted })}</Tag>}
                {report.data.skipped > 0 && <Tag color="orange">{t('faq.report.skipped', { count: report.data.skipped })}</Tag>}
                {report.data.errors.length > 0 && <Tag color="error">{t('faq.report.errors', { count: report.data.errors.length })}</Tag>}
              </Space>
            }
          />
          {report.data.errors.length > 0 && (
            <Table
              size="small"
              style={{ marginTop: 8 }}
              rowKey={(r) => `${r.row}`}
              pagination={report.data.errors.length > 10 ? { pageSize: 10, showSizeChanger: false } : false}
              dataSource={report.data.errors}
              columns={[
                { title: '#', dataIndex: 'row', key: 'row', width: 110, render: (row: number) => t('faq.report.row', { row }) },
                { title: t('faq.importFailed'), dataIndex: 'message', key: 'message', render: (m: { zh: string; en: string }) => pick(m) },
              ]}
            />
          )}
        </div>
      )}
    </Modal>
  );
}
