import { useState } from 'react';
import { KeyOutlined } from '@ant-design/icons';
import { Alert, App, Button, Form, Input, Modal, Radio, Space, Tooltip, Typography } from 'antd';
import type { UserRole, UserView } from '@imbridge/contracts';
import { isApiError } from '../../../api/client';
import { useI18n } from '../../../i18n';
import { agentsApi, type NewUserInput } from '../api/agentsApi';
import { generatePassword } from '../utils/password';

// Same rules as the API's CreateUserDto, so most mistakes are caught before the round trip.
const USERNAME = /^[A-Za-z0-9._@-]{2,64}$/;
const PASSWORD_MIN = 8;
const PASSWORD_MAX = 256;
const DISPLAY_NAME_MAX = 128;

interface FormValues {
  username: string;
  displayName?: string;
  role: UserRole;
  password: string;
}

const FIELDS: readonly string[] = ['username', 'displayName', 'role', 'password'];

/** "New agent": creates a console account (POST /api/users); a generated password is shown once. */
export function NewAgentModal({ open, onClose, onCreated }: { open: boolean; onClose: () => void; onCreated: (user: UserView) => void }) {
  const { t, lang } = useI18n();
  const { message } = App.useApp();
  const [form] = Form.useForm<FormValues>();
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [generated, setGenerated] = useState<string | null>(null);

  const close = () => {
    // Forget the generated password with the form: it is shown for this one creation only.
    form.resetFields();
    setGenerated(null);
    setError(null);
    onClose();
  };

  const generate = () => {
    const password = generatePassword();
    form.setFieldsValue({ password });
    void form.validateFields(['password']);
    setGenerated(password);
  };

  const submit = async (values: FormValues) => {
    const displayName = values.displayName?.trim();
    const input: NewUserInput = {
      username: values.username.trim(),
      password: values.password,
      role: values.role,
      ...(displayName ? { displayName } : {}),
    };
    setSaving(true);
    setError(null);
    try {
      const user = await agentsApi.createUser(input);
      message.success(t('agents.form.created', { name: user.displayName || user.username }));
      onCreated(user);
      close();
    } catch (err) {
      if (isApiError(err) && err.status === 409) {
        // The username is taken: say so where it was typed.
        form.setFields([{ name: 'username', errors: [err.localized(lang)] }]);
      } else if (isApiError(err) && err.fieldProblems.some((p) => FIELDS.includes(p.field))) {
        form.setFields(
          err.fieldProblems.filter((p) => FIELDS.includes(p.field)).map((p) => ({ name: p.field as keyof FormValues, errors: [lang === 'zh' ? p.message.zh : p.message.en] })),
        );
      } else {
        setError(isApiError(err) ? `${t('agents.form.failed')}: ${err.localized(lang)}` : t('agents.form.failed'));
      }
    } finally {
      setSaving(false);
    }
  };

  return (
    <Modal
      open={open}
      title={t('agents.form.title')}
      okText={t('agents.form.submit')}
      cancelText={t('common.cancel')}
      okButtonProps={{ 'data-testid': 'agent-form-submit' }}
      confirmLoading={saving}
      onOk={() => form.submit()}
      onCancel={close}
      forceRender
    >
      {error && <Alert type="error" showIcon title={error} style={{ marginBottom: 12 }} />}
      <Form<FormValues>
        form={form}
        layout="vertical"
        initialValues={{ role: 'agent' }}
        onFinish={(values) => void submit(values)}
        data-testid="agent-form"
      >
        <Form.Item
          name="username"
          label={t('agents.form.username')}
          extra={t('agents.form.usernameHelp')}
          // Pasted names often carry stray spaces; a username never has any.
          normalize={(v: string | undefined) => v?.trim()}
          rules={[
            { required: true, whitespace: true, message: t('agents.form.usernameRequired') },
            { pattern: USERNAME, message: t('agents.form.usernameRule') },
          ]}
        >
          <Input maxLength={64} autoComplete="off" spellCheck={false} />
        </Form.Item>
        <Form.Item name="displayName" label={t('agents.form.displayName')} extra={t('agents.form.displayNameHelp')}>
          <Input maxLength={DISPLAY_NAME_MAX} placeholder={t('agents.form.displayNamePlaceholder')} />
        </Form.Item>
        <Form.Item name="role" label={t('agents.form.role')} extra={t('agents.form.roleHelp')}>
          <Radio.Group
            optionType="button"
            options={[
              { value: 'agent', label: t('auth.role.agent') },
              { value: 'admin', label: t('auth.role.admin') },
            ]}
          />
        </Form.Item>
        <Form.Item label={t('agents.form.password')} required>
          <Space.Compact style={{ width: '100%' }}>
            <Form.Item
              name="password"
              noStyle
              rules={[
                { required: true, message: t('agents.form.passwordRequired') },
                { min: PASSWORD_MIN, max: PASSWORD_MAX, message: t('agents.form.passwordRule', { min: PASSWORD_MIN, max: PASSWORD_MAX }) },
              ]}
            >
              <Input.Password
                aria-label={t('agents.form.password')}
                maxLength={PASSWORD_MAX}
                autoComplete="new-password"
                onChange={() => setGenerated(null)}
              />
            </Form.Item>
            <Tooltip title={t('agents.form.generateTip')}>
              <Button icon={<KeyOutlined />} onClick={generate} data-testid="agent-generate-password">
                {t('agents.form.generate')}
              </Button>
            </Tooltip>
          </Space.Compact>
        </Form.Item>
        {generated && (
          <Alert
            type="warning"
            showIcon
            data-testid="agent-generated-password"
            title={t('agents.form.generatedTitle')}
            description={
              <Space orientation="vertical" size={2}>
                <Typography.Text code copyable={{ text: generated, tooltips: [t('common.copy'), t('common.copied')] }}>
                  {generated}
                </Typography.Text>
                <Typography.Text type="secondary">{t('agents.form.generatedHint')}</Typography.Text>
              </Space>
            }
          />
        )}
      </Form>
    </Modal>
  );
}
