import { useState } from 'react';
import { KeyOutlined } from '@ant-design/icons';
import { Alert, App, Button, Form, Input, Modal } from 'antd';
import { isApiError, NETWORK_ERROR_CODE } from '../../../api/client';
import { useI18n } from '../../../i18n';
import { authApi } from '../api/authApi';

interface Values {
  currentPassword: string;
  newPassword: string;
  confirm: string;
}

/**
 * "Change password" in the header: the current password, the new one twice. The API ends every
 * other session at once and renews this one (a fresh cookie), so the console stays logged in.
 */
export function ChangePasswordButton() {
  const { t, lang } = useI18n();
  const { message } = App.useApp();
  const [open, setOpen] = useState(false);
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [form] = Form.useForm<Values>();

  const close = () => {
    setOpen(false);
    setError(null);
    form.resetFields();
  };

  const submit = async (values: Values) => {
    setSaving(true);
    setError(null);
    try {
      await authApi.changePassword({ currentPassword: values.currentPassword, newPassword: values.newPassword });
      message.success(t('auth.passwordChanged'));
      close();
    } catch (err) {
      if (isApiError(err) && err.code === 'BAD_CREDENTIALS') {
        form.setFields([{ name: 'currentPassword', errors: [t('auth.currentPasswordWrong')] }]);
      } else if (isApiError(err) && err.code === NETWORK_ERROR_CODE) {
        setError(t('common.networkError'));
      } else if (isApiError(err)) {
        const fields = err.fieldProblems.map((p) => p.message[lang]);
        setError(fields.length > 0 ? fields.join('; ') : err.localized(lang));
      } else {
        setError(String(err));
      }
    } finally {
      setSaving(false);
    }
  };

  return (
    <>
      <Button type="text" icon={<KeyOutlined />} onClick={() => setOpen(true)} data-testid="change-password">
        {t('auth.changePassword')}
      </Button>
      <Modal
        open={open}
        title={t('auth.changePassword')}
        okText={t('common.save')}
        cancelText={t('common.cancel')}
        confirmLoading={saving}
        onOk={() => form.submit()}
        onCancel={close}
        destroyOnHidden
      >
        <Form form={form} layout="vertical" onFinish={(v) => void submit(v)} requiredMark={false}>
          <Form.Item name="currentPassword" label={t('auth.currentPassword')} rules={[{ required: true, message: t('auth.passwordRequired') }]}>
            <Input.Password autoComplete="current-password" />
          </Form.Item>
          <Form.Item
            name="newPassword"
            label={t('auth.newPassword')}
            extra={t('auth.newPasswordHint')}
            rules={[
              { required: true, message: t('auth.passwordRequired') },
              { min: 8, message: t('auth.newPasswordTooShort') },
              { max: 256, message: t('auth.newPasswordTooLong') },
            ]}
          >
            <Input.Password autoComplete="new-password" />
          </Form.Item>
          <Form.Item
            name="confirm"
            label={t('auth.confirmPassword')}
            dependencies={['newPassword']}
            rules={[
              { required: true, message: t('auth.passwordRequired') },
              ({ getFieldValue }) => ({
                validator: (_, value: string) => (!value || value === getFieldValue('newPassword') ? Promise.resolve() : Promise.reject(new Error(t('auth.passwordsDiffer')))),
              }),
            ]}
          >
            <Input.Password autoComplete="new-password" />
          </Form.Item>
          {error && <Alert type="error" showIcon message={error} />}
        </Form>
      </Modal>
    </>
  );
}
