import { useEffect, useState } from 'react';
import { MinusCircleOutlined, PlusOutlined } from '@ant-design/icons';
import { Alert, Button, Drawer, Form, Input, InputNumber, Segmented, Select, Space, Switch, type FormInstance } from 'antd';
import type { I18nText, IntegrationView } from '@imbridge/contracts';
import { isApiError } from '../../../api/client';
import { useI18n } from '../../../i18n';
import type { KeywordRuleInput, KeywordRuleView } from '../api/keywordRulesApi';
import {
  ALL_INTEGRATIONS,
  buildRuleBody,
  initialRuleValues,
  invalidRegexes,
  MAX_ARTICLES,
  ruleFieldPath,
  type RuleFormValues,
} from '../utils/ruleForm';
import { KeywordTagsInput } from './KeywordTagsInput';

export type RuleSaveRequest = { kind: 'create'; body: KeywordRuleInput } | { kind: 'update'; id: string; body: Partial<KeywordRuleInput> };

interface KeywordRuleDrawerProps {
  open: boolean;
  /** Present when editing. */
  rule?: KeywordRuleView;
  integrations: IntegrationView[];
  defaultIntegrationId?: string;
  save: (request: RuleSaveRequest) => Promise<KeywordRuleView>;
  onSaved: (rule: KeywordRuleView) => void;
  onClose: () => void;
}

const isHttpUrl = (value: string) => /^https?:\/\/\S+$/i.test(value.trim());

function applyServerProblems(
  form: FormInstance<RuleFormValues>,
  problems: { field: string; message: I18nText }[],
  pick: (text: I18nText) => string,
): I18nText[] {
  const unmatched: I18nText[] = [];
  const byPath = new Map<string, { name: (string | number)[]; errors: string[] }>();
  for (const problem of problems) {
    const path = ruleFieldPath(problem.field);
    if (!path) {
      unmatched.push(problem.message);
      continue;
    }
    const key = path.join('.');
    const entry = byPath.get(key) ?? { name: path, errors: [] };
    entry.errors.push(pick(problem.message));
    byPath.set(key, entry);
  }
  form.setFields([...byPath.values()] as Parameters<FormInstance<RuleFormValues>['setFields']>[0]);
  return unmatched;
}

/** Create / edit one keyword rule. */
export function KeywordRuleDrawer({ open, rule, integrations, defaultIntegrationId, save, onSaved, onClose }: KeywordRuleDrawerProps) {
  const { t, pick, lang } = useI18n();
  const [form] = Form.useForm<RuleFormValues>();
  const [saving, setSaving] = useState(false);
  const [formError, setFormError] = useState<string | null>(null);
  const [unmatched, setUnmatched] = useState<I18nText[]>([]);
  const replyType = Form.useWatch(['reply', 'type'], form);
  const matchType = Form.useWatch('matchType', form);

  useEffect(() => {
    if (!open) return;
    form.resetFields();
    form.setFieldsValue(initialRuleValues(rule, defaultIntegrationId));
    setFormError(null);
    setUnmatched([]);
  }, [open, rule, defaultIntegrationId, form]);

  const onFinish = async (values: RuleFormValues) => {
    setSaving(true);
    setFormError(null);
    setUnmatched([]);
    const body = buildRuleBody({ ...initialRuleValues(rule, defaultIntegrationId), ...values });
    try {
      const saved = await save(rule ? { kind: 'update', id: rule.id, body } : { kind: 'create', body });
      onSaved(saved);
    } catch (error) {
      if (isApiError(error) && error.fieldProblems.length > 0) {
        setUnmatched(applyServerProblems(form, error.fieldProblems, pick));
        setFormError(t('edit.fixErrors'));
      } else {
        setFormError(isApiError(error) ? `${t('edit.saveFailed')}: ${error.localized(lang)}` : t('edit.saveFailed'));
      }
    } finally {
      setSaving(false);
    }
  };

  const integrationOptions = [
    { value: ALL_INTEGRATIONS, label: t('rules.allIntegrations') },
    ...integrations.map((i) => ({ value: i.id, label: i.name })),
  ];

  return (
    <Drawer
      open={open}
      onClose={onClose}
      size={560}
      title={rule ? t('rules.editTitle') : t('rules.newTitle')}
      forceRender
      rootClassName="rule-drawer"
      footer={
        <Space style={{ justifyContent: 'flex-end', width: '100%' }}>
          <Button onClick={onClose}>{t('common.cancel')}</Button>
          <Button type="primary" loading={saving} onClick={() => form.submit()} data-testid="rule-submit">
            {t('common.save')}
          </Button>
        </Space>
      }
    >
      <Form<RuleFormValues> form={form} layout="vertical" onFinish={onFinish} className="rule-form">
        {(formError || unmatched.length > 0) && (
          <Alert
            type="error"
            showIcon
            style={{ marginBottom: 16 }}
            title={formError ?? t('edit.saveFailed')}
            description={unmatched.length ? unmatched.map((m, i) => <div key={i}>{pick(m)}</div>) : undefined}
          />
        )}
        <Form.Item
          label={t('rules.field.name')}
          name="name"
          rules={[{ required: true, whitespace: true, message: t('rules.nameRequired') }, { max: 100, message: t('edit.nameTooLong', { max: 100 }) }]}
        >
          <Input placeholder={t('rules.namePlaceholder')} />
        </Form.Item>
        <Form.Item label={t('rules.field.integration')} name="integrationId">
          <Select options={integrationOptions} />
        </Form.Item>
        <Form.Item label={t('rules.field.matchType')} name="matchType" extra={t(`rules.matchHelp.${matchType ?? 'contains'}`)}>
          <Segmented
            options={[
              { value: 'exact', label: t('rules.match.exact') },
              { value: 'contains', label: t('rules.match.contains') },
              { value: 'regex', label: t('rules.match.regex') },
            ]}
          />
        </Form.Item>
        <Form.Item
          label={t('rules.field.keywords')}
          name="keywords"
          extra={t('rules.keywordsHelp')}
          dependencies={['matchType']}
          rules={[
            { required: true, type: 'array', min: 1, message: t('rules.keywordsRequired') },
            ({ getFieldValue }) => ({
              validator: async (_rule, value: string[] | undefined) => {
                if (getFieldValue('matchType') !== 'regex' || !value) return;
                const bad = invalidRegexes(value);
                if (bad.length) throw new Error(t('rules.badRegex', { keywords: bad.join(', ') }));
              },
            }),
          ]}
        >
          <KeywordTagsInput placeholder={t('rules.keywordsPlaceholder')} aria-label={t('rules.field.keywords')} />
        </Form.Item>
        <Space size={24} align="start" wrap>
          <Form.Item
            label={t('rules.field.priority')}
            name="priority"
            extra={t('rules.priorityHelp')}
            rules={[{ required: true, message: t('rules.priorityRequired') }]}
          >
            <InputNumber min={0} max={100000} precision={0} style={{ width: 160 }} />
          </Form.Item>
          <Form.Item label={t('rules.field.enabled')} name="enabled" valuePropName="checked">
            <Switch />
          </Form.Item>
        </Space>
        <Form.Item label={t('rules.field.replyType')} name={['reply', 'type']}>
          <Segmented
            options={[
              { value: 'text', label: t('rules.reply.text') },
              { value: 'image', label: t('rules.reply.image') },
              { value: 'news', label: t('rules.reply.news') },
            ]}
          />
        </Form.Item>
        {(replyType ?? 'text') === 'text' && (
          <Form.Item
            label={t('rules.field.replyText')}
            name={['reply', 'text']}
            rules={[{ required: true, whitespace: true, message: t('rules.replyTextRequired') }]}
            extra={t('rules.replyTextHelp')}
          >
            <Input.TextArea autoSize={{ minRows: 3, maxRows: 10 }} />
          </Form.Item>
        )}
        {replyType === 'image' && (
          <Form.Item
            label={t('rules.field.imageUrl')}
            name={['reply', 'url']}
            extra={t('rules.imageUrlHelp')}
            rules={[
              { required: true, whitespace: true, message: t('rules.urlRequired') },
              { validator: async (_r, v: string | undefined) => { if (v && !isHttpUrl(v)) throw new Error(t('rules.urlInvalid')); } },
            ]}
          >
            <Input placeholder="https://" />
          </Form.Item>
        )}
        {replyType === 'news' && (
          <Form.List name={['reply', 'articles']}>
            {(fields, { add, remove }) => (
              <div className="news-articles">
                {fields.map((field, index) => (
                  <div key={field.key} className="news-article">
                    <div className="news-article__head">
                      <span>{t('rules.articleN', { n: index + 1 })}</span>
                      {fields.length > 1 && (
                        <Button type="text" size="small" icon={<MinusCircleOutlined />} onClick={() => remove(field.name)} aria-label={t('common.delete')} />
                      )}
                    </div>
                    <Form.Item
                      label={t('rules.article.title')}
                      name={[field.name, 'title']}
                      rules={[{ required: true, whitespace: true, message: t('rules.articleTitleRequired') }]}
                    >
                      <Input />
                    </Form.Item>
                    <Form.Item label={t('rules.article.description')} name={[field.name, 'description']}>
                      <Input.TextArea autoSize={{ minRows: 1, maxRows: 4 }} />
                    </Form.Item>
                    <Form.Item
                      label={t('rules.article.url')}
                      name={[field.name, 'url']}
                      rules={[{ validator: async (_r, v: string | undefined) => { if (v && !isHttpUrl(v)) throw new Error(t('rules.urlInvalid')); } }]}
                    >
                      <Input placeholder="https://" />
                    </Form.Item>
                    <Form.Item
                      label={t('rules.article.picUrl')}
                      name={[field.name, 'picUrl']}
                      rules={[{ validator: async (_r, v: string | undefined) => { if (v && !isHttpUrl(v)) throw new Error(t('rules.urlInvalid')); } }]}
                    >
                      <Input placeholder="https://" />
                    </Form.Item>
                  </div>
                ))}
                {fields.length < MAX_ARTICLES && (
                  <Button type="dashed" block icon={<PlusOutlined />} onClick={() => add({ title: '' })}>
                    {t('rules.addArticle', { max: MAX_ARTICLES })}
                  </Button>
                )}
              </div>
            )}
          </Form.List>
        )}
      </Form>
    </Drawer>
  );
}
