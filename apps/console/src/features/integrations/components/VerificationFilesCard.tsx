import { useRef, useState } from 'react';
import { DeleteOutlined, SafetyCertificateOutlined, UploadOutlined } from '@ant-design/icons';
import { Alert, App, Button, Card, Popconfirm, Table, Typography, type TableColumnsType } from 'antd';
import { isApiError } from '../../../api/client';
import { useRequest } from '../../../api/useRequest';
import { useI18n } from '../../../i18n';
import { verificationFilesApi, type VerificationFile } from '../api/integrationsApi';
import { checkVerificationFile, readFileText, VERIFICATION_FILE_MAX_BYTES } from '../utils/verificationFile';

export const publicFileUrl = (fileName: string) => `${window.location.origin}/${fileName}`;

/** Domain verification files (WW_verify_*.txt, MP_verify_*.txt) served by the API at the site root. */
export function VerificationFilesCard() {
  const { t, lang, formatDateTime } = useI18n();
  const { message } = App.useApp();
  const files = useRequest((signal) => verificationFilesApi.list(signal), 'verification-files');
  const inputRef = useRef<HTMLInputElement>(null);
  const [uploading, setUploading] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const [deleting, setDeleting] = useState<string | null>(null);

  const onFile = async (file: File | undefined) => {
    if (inputRef.current) inputRef.current.value = '';
    if (!file) return;
    setProblem(null);
    const check = checkVerificationFile(file.name, file.size);
    if (check) {
      setProblem(t(`vf.problem.${check}`, { name: file.name, max: VERIFICATION_FILE_MAX_BYTES }));
      return;
    }
    setUploading(true);
    try {
      const content = await readFileText(file);
      await verificationFilesApi.upload({ fileName: file.name, content });
      message.success(t('vf.uploaded', { name: file.name }));
      files.reload();
    } catch (error) {
      setProblem(isApiError(error) ? `${t('vf.uploadFailed')}: ${error.localized(lang)}` : t('vf.uploadFailed'));
    } finally {
      setUploading(false);
    }
  };

  const remove = async (file: VerificationFile) => {
    setDeleting(file.fileName);
    try {
      await verificationFilesApi.remove(file.fileName);
      files.setData((current) => current?.filter((f) => f.fileName !== file.fileName));
      message.success(t('integrations.deleted'));
    } catch (error) {
      message.error(isApiError(error) ? `${t('integrations.deleteFailed')}: ${error.localized(lang)}` : t('integrations.deleteFailed'));
    } finally {
      setDeleting(null);
    }
  };

  const columns: TableColumnsType<VerificationFile> = [
    {
      title: t('vf.col.url'),
      dataIndex: 'fileName',
      key: 'fileName',
      render: (fileName: string) => (
        <Typography.Text
          className="table-callback-url"
          copyable={{ text: publicFileUrl(fileName), tooltips: [t('common.copy'), t('common.copied')] }}
        >
          {publicFileUrl(fileName)}
        </Typography.Text>
      ),
    },
    { title: t('vf.col.size'), dataIndex: 'size', key: 'size', width: 100, render: (size: number) => `${size} B` },
    {
      title: t('vf.col.createdAt'),
      dataIndex: 'createdAt',
      key: 'createdAt',
      width: 170,
      render: (at: string) => <span className="nowrap">{formatDateTime(at)}</span>,
    },
    {
      title: t('integrations.col.actions'),
      key: 'actions',
      width: 100,
      render: (_v, record) => (
        <Popconfirm
          title={t('vf.deleteConfirm', { name: record.fileName })}
          okText={t('common.delete')}
          cancelText={t('common.cancel')}
          okButtonProps={{ danger: true }}
          onConfirm={() => remove(record)}
        >
          <Button type="link" size="small" danger icon={<DeleteOutlined />} loading={deleting === record.fileName}>
            {t('common.delete')}
          </Button>
        </Popconfirm>
      ),
    },
  ];

  return (
    <Card
      size="small"
      className="side-card verification-card"
      title={
        <span className="card-title">
          <SafetyCertificateOutlined /> {t('vf.title')}
        </span>
      }
      extra={
        <>
          <input
            ref={inputRef}
            type="file"
            accept=".txt,text/plain"
            hidden
            data-testid="verification-file-input"
            onChange={(e) => void onFile(e.target.files?.[0])}
          />
          <Button size="small" icon={<UploadOutlined />} loading={uploading} onClick={() => inputRef.current?.click()}>
            {t('vf.upload')}
          </Button>
        </>
      }
    >
      <Typography.Paragraph type="secondary" style={{ marginBottom: 12 }}>
        {t('vf.hint')}
      </Typography.Paragraph>
      {problem && (
        <Alert type="error" showIcon title={problem} closable onClose={() => setProblem(null)} style={{ marginBottom: 12 }} data-testid="vf-problem" />
      )}
      {files.error ? (
        <Alert type="warning" showIcon title={t('vf.loadFailed')} />
      ) : (
        <Table<VerificationFile>
          size="small"
          rowKey="fileName"
          columns={columns}
          dataSource={files.data ?? []}
          loading={files.loading}
          pagination={false}
          scroll={{ x: 640 }}
          locale={{ emptyText: t('vf.empty') }}
        />
      )}
    </Card>
  );
}
