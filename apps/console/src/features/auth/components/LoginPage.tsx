import { useState } from 'react';
import { LockOutlined, UserOutlined } from '@ant-design/icons';
import { Alert, Button, Card, Form, Input, Typography } from 'antd';
import { Navigate, useLocation, useNavigate } from 'react-router-dom';
import { isApiError, NETWORK_ERROR_CODE } from '../../../api/client';
import { LanguageSwitch, useI18n } from '../../../i18n';
import { BrandMark } from '../../layout/components/BrandMark';
import { useAuth } from '../hooks/useAuth';

interface LoginFormValues {
  username: string;
  password: string;
}

export function LoginPage() {
  const { t, lang } = useI18n();
  const { status, login, sessionExpired } = useAuth();
  const navigate = useNavigate();
  const location = useLocation();
  const [submitting, setSubmitting] = useState(false);
  const [error, setError] = useState<unknown>(null);

  const from = (location.state as { from?: string } | null)?.from;
  // The home route sends admins to /integrations and agents to /conversations.
  const target = from && from !== '/login' ? from : '/';

  if (status === 'authenticated') return <Navigate to={target} replace />;

  const onFinish = async (values: LoginFormValues) => {
    setSubmitting(true);
    setError(null);
    try {
      await login({ username: values.username.trim(), password: values.password });
      navigate(target, { replace: true });
    } catch (err) {
      setError(err);
    } finally {
      setSubmitting(false);
    }
  };

  let errorText: string | null = null;
  if (error) {
    if (isApiError(error)) {
      if (error.code === NETWORK_ERROR_CODE) errorText = t('common.networkError');
      // A deliberate bilingual message from the API wins; a bare framework "Unauthorized" does not.
      else if (error.status === 401) errorText = error.body.messageZh ? error.localized(lang) : t('auth.invalidCredentials');
      else if (error.status === 429) errorText = error.localized(lang) || t('auth.tooManyAttempts');
      else errorText = error.localized(lang) || t('common.unexpectedError');
    } else {
      errorText = t('common.unexpectedError');
    }
  }

  return (
    <div className="login-page">
      <div className="login-page__lang">
        <LanguageSwitch />
      </div>
      <div className="login-page__inner">
        <div className="login-page__brand">
          <BrandMark size={44} />
          <div>
            <Typography.Title level={3} style={{ margin: 0 }}>
              {t('app.title')}
            </Typography.Title>
            <Typography.Text type="secondary">{t('app.tagline')}</Typography.Text>
          </div>
        </div>
        <Card className="login-page__card" variant="borderless">
          <Typography.Title level={4} style={{ marginTop: 0, marginBottom: 24 }}>
            {t('auth.loginTitle')}
          </Typography.Title>
          {sessionExpired && !errorText && (
            <Alert type="info" showIcon title={t('auth.sessionExpired')} style={{ marginBottom: 16 }} />
          )}
          {errorText && <Alert type="error" showIcon title={errorText} style={{ marginBottom: 16 }} />}
          <Form<LoginFormValues> layout="vertical" requiredMark={false} onFinish={onFinish} size="large" disabled={submitting}>
            <Form.Item
              label={t('auth.username')}
              name="username"
              rules={[{ required: true, whitespace: true, message: t('auth.usernameRequired') }]}
            >
              <Input prefix={<UserOutlined />} autoComplete="username" autoFocus />
            </Form.Item>
            <Form.Item label={t('auth.password')} name="password" rules={[{ required: true, message: t('auth.passwordRequired') }]}>
              <Input.Password prefix={<LockOutlined />} autoComplete="current-password" />
            </Form.Item>
            <Form.Item style={{ marginBottom: 0 }}>
              <Button type="primary" htmlType="submit" block loading={submitting}>
                {t('auth.login')}
              </Button>
            </Form.Item>
          </Form>
        </Card>
      </div>
    </div>
  );
}
