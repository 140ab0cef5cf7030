import { useEffect, useMemo, useRef, useState } from 'react';
import { SaveOutlined } from '@ant-design/icons';
import { Alert, Button, Card, Collapse, Form, Input, InputNumber, Space, Switch, type FormRule } from 'antd';
import {
  checkFieldValue,
  SEND_RATE_MAX,
  SEND_RATE_MIN,
  type CreateIntegrationRequest,
  type CredentialField,
  type I18nText,
  type IntegrationView,
  type PlatformDescriptor,
  type UpdateIntegrationRequest,
} from '@imbridge/contracts';
import { isApiError, NETWORK_ERROR_CODE } from '../../../api/client';
import { useI18n } from '../../../i18n';
import {
  buildCreateRequest,
  buildUpdateRequest,
  defaultSendRate,
  initialFormValues,
  isEmptyValue,
  isValidSendRate,
  mapServerProblems,
  maskedSecretOf,
  NAME_MAX_LENGTH,
  pathKey,
  type IntegrationFormValues,
} from '../utils/formModel';
import { CredentialFieldControl } from './CredentialFieldControl';

export type IntegrationSaveRequest =
  | { kind: 'create'; body: CreateIntegrationRequest }
  | { kind: 'update'; id: string; body: UpdateIntegrationRequest };

interface IntegrationFormProps {
  descriptor: PlatformDescriptor;
  /** Present when editing. */
  integration?: IntegrationView;
  save: (request: IntegrationSaveRequest) => Promise<IntegrationView>;
  onSaved: (saved: IntegrationView) => void;
  onCancel?: () => void;
}

const ADVANCED_PANEL = 'advanced';

/** The integration form, rendered from the platform descriptor's fields and checked live with contracts' rules. */
export function IntegrationForm({ descriptor, integration, save, onSaved, onCancel }: IntegrationFormProps) {
  const { t, pick, lang } = useI18n();
  const [form] = Form.useForm<IntegrationFormValues>();
  const [saving, setSaving] = useState(false);
  const [formError, setFormError] = useState<string | null>(null);
  const [unmatchedProblems, setUnmatchedProblems] = useState<I18nText[]>([]);
  const [advancedOpen, setAdvancedOpen] = useState(false);
  /** Server-side problems per field path, shown until that field changes. */
  const serverErrors = useRef(new Map<string, I18nText>());

  const initialValues = useMemo(() => initialFormValues(descriptor, integration), [descriptor, integration]);
  const basicFields = descriptor.fields.filter((f) => !f.advanced);
  const advancedFields = descriptor.fields.filter((f) => f.advanced);

  // Messages are stored in both languages: re-run the checks so shown errors follow the language switch.
  useEffect(() => {
    const withErrors = form.getFieldsError().filter((f) => f.errors.length > 0).map((f) => f.name);
    if (withErrors.length > 0) form.validateFields(withErrors).catch(() => undefined);
  }, [lang, form]);

  const serverRule = (key: string): FormRule => ({
    validator: async () => {
      const problem = serverErrors.current.get(key);
      if (problem) throw new Error(pick(problem));
    },
  });

  const fieldRule = (field: CredentialField): FormRule => ({
    validator: async (_rule, value: unknown) => {
      const masked = maskedSecretOf(integration, field);
      if (masked?.set && isEmptyValue(value)) return; // keeps the stored secret
      const problem = checkFieldValue(field, value);
      if (problem) throw new Error(pick(problem));
    },
  });

  const renderField = (field: CredentialField) => {
    const masked = maskedSecretOf(integration, field);
    const key = pathKey(['config', field.name]);
    return (
      <Form.Item
        key={field.name}
        name={['config', field.name]}
        label={pick(field.label)}
        required={field.required && !masked?.set}
        extra={field.help ? pick(field.help) : undefined}
        rules={[fieldRule(field), serverRule(key)]}
        validateFirst
      >
        <CredentialFieldControl field={field} masked={masked} />
      </Form.Item>
    );
  };

  const onValuesChange = (changed: Partial<IntegrationFormValues>) => {
    if ('name' in changed) serverErrors.current.delete('name');
    if ('enabled' in changed) serverErrors.current.delete('enabled');
    if ('sendRatePerSecond' in changed) serverErrors.current.delete('sendRatePerSecond');
    for (const name of Object.keys(changed.config ?? {})) serverErrors.current.delete(pathKey(['config', name]));
    if (formError) setFormError(null);
  };

  const onFinish = async () => {
    const values = form.getFieldsValue(true) as IntegrationFormValues;
    setSaving(true);
    setFormError(null);
    setUnmatchedProblems([]);
    serverErrors.current.clear();
    try {
      const saved = integration
        ? await save({ kind: 'update', id: integration.id, body: buildUpdateRequest(descriptor, integration, values) })
        : await save({ kind: 'create', body: buildCreateRequest(descriptor, values) });
      onSaved(saved);
    } catch (error) {
      if (isApiError(error) && error.fieldProblems.length > 0) {
        const { byField, unmatched } = mapServerProblems(descriptor, error.fieldProblems);
        for (const [key, { message }] of byField) serverErrors.current.set(key, message);
        setUnmatchedProblems(unmatched.map((u) => u.message));
        setFormError(t('edit.fixErrors'));
        const paths = [...byField.values()].map((v) => v.path);
        if (paths.some((p) => p[0] === 'config' && advancedFields.some((f) => f.name === p[1]))) setAdvancedOpen(true);
        if (paths.length > 0) {
          form.validateFields(paths).catch(() => undefined);
          form.scrollToField(paths[0], { behavior: 'smooth', block: 'center' });
        }
      } else if (isApiError(error)) {
        setFormError(error.code === NETWORK_ERROR_CODE ? t('common.networkError') : error.localized(lang) || t('edit.saveFailed'));
      } else {
        setFormError(t('common.unexpectedError'));
      }
    } finally {
      setSaving(false);
    }
  };

  const onFinishFailed = ({ errorFields }: { errorFields: { name: (string | number)[] }[] }) => {
    if (errorFields.some((e) => e.name[0] === 'config' && advancedFields.some((f) => f.name === e.name[1]))) setAdvancedOpen(true);
  };

  return (
    <Form<IntegrationFormValues>
      form={form}
      layout="vertical"
      initialValues={initialValues}
      onValuesChange={onValuesChange}
      onFinish={onFinish}
      onFinishFailed={onFinishFailed}
      scrollToFirstError={{ behavior: 'smooth', block: 'center' }}
      disabled={saving}
      noValidate
      className="integration-form"
    >
      <Space orientation="vertical" size={16} style={{ width: '100%' }}>
        <Card title={t('edit.basics')} size="small" className="form-card">
          <Form.Item
            name="name"
            label={t('edit.name')}
            validateFirst
            rules={[
              { required: true, whitespace: true, message: t('edit.nameRequired') },
              { max: NAME_MAX_LENGTH, message: t('edit.nameTooLong', { max: NAME_MAX_LENGTH }) },
              serverRule('name'),
            ]}
          >
            <Input placeholder={t('edit.namePlaceholder')} maxLength={NAME_MAX_LENGTH} autoComplete="off" />
          </Form.Item>
          <Form.Item name="enabled" label={t('edit.enabled')} valuePropName="checked" extra={t('edit.enabledHelp')} rules={[serverRule('enabled')]}>
            <Switch />
          </Form.Item>
        </Card>

        <Card title={t('edit.credentials')} size="small" className="form-card">
          {basicFields.map(renderField)}
          {advancedFields.length > 0 && (
            <Collapse
              className="advanced-collapse"
              activeKey={advancedOpen ? [ADVANCED_PANEL] : []}
              onChange={(keys) => setAdvancedOpen((Array.isArray(keys) ? keys : [keys]).includes(ADVANCED_PANEL))}
              items={[
                {
                  key: ADVANCED_PANEL,
                  label: t('edit.advanced'),
                  forceRender: true,
                  children: advancedFields.map(renderField),
                },
              ]}
            />
          )}
        </Card>

        <Card title={t('edit.sending')} size="small" className="form-card">
          <Form.Item
            name="sendRatePerSecond"
            label={t('edit.sendRate')}
            extra={t('edit.sendRateHelp', { n: defaultSendRate(descriptor, integration) })}
            validateFirst
            rules={[
              {
                validator: async (_rule, value: unknown) => {
                  if (!isValidSendRate(value)) throw new Error(t('edit.sendRateInvalid', { min: SEND_RATE_MIN, max: SEND_RATE_MAX }));
                },
              },
              serverRule('sendRatePerSecond'),
            ]}
          >
            <InputNumber<number>
              placeholder={String(defaultSendRate(descriptor, integration))}
              min={SEND_RATE_MIN}
              max={SEND_RATE_MAX}
              precision={0}
              controls={false}
              style={{ width: 200 }}
              aria-label={t('edit.sendRate')}
            />
          </Form.Item>
        </Card>

        {(formError || unmatchedProblems.length > 0) && (
          <Alert
            type="error"
            showIcon
            title={formError ?? t('edit.saveFailed')}
            description={
              unmatchedProblems.length > 0 ? (
                <ul className="plain-list">
                  {unmatchedProblems.map((p, i) => (
                    <li key={i}>{pick(p)}</li>
                  ))}
                </ul>
              ) : undefined
            }
          />
        )}

        <div className="form-actions">
          <Space>
            <Button type="primary" htmlType="submit" icon={<SaveOutlined />} loading={saving}>
              {integration ? t('edit.saveChanges') : t('edit.create')}
            </Button>
            {onCancel && (
              <Button onClick={onCancel} disabled={false}>
                {t('common.cancel')}
              </Button>
            )}
          </Space>
        </div>
      </Space>
    </Form>
  );
}
