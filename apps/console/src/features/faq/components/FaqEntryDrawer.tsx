import { useEffect, useState } from 'react';
import { Alert, AutoComplete, Button, Card, Drawer, Form, Input, Select, Space, Switch, Typography, type FormInstance } from 'antd';
import type { I18nText, IntegrationView } from '@imbridge/contracts';
import { isApiError } from '../../../api/client';
import { useI18n } from '../../../i18n';
import { SimilarQuestionsInput } from './SimilarQuestionsInput';
import type { FaqEntryInput, FaqEntryView } from '../api/faqApi';
import { useAnswerPreview } from '../hooks/useAnswerPreview';

export const ALL_SCOPE = '__all__';
export const FAQ_LIMITS = { question: 500, answer: 4000, similar: 50, similarLength: 500, category: 64 } as const;

interface FormValues {
  question: string;
  similarQuestions: string[];
  answer: string;
  category: string;
  scope: string;
  enabled: boolean;
}

export type FaqSaveRequest = { kind: 'create'; body: FaqEntryInput } | { kind: 'update'; id: string; body: Partial<FaqEntryInput> };

interface FaqEntryDrawerProps {
  open: boolean;
  entry?: FaqEntryView;
  integrations: IntegrationView[];
  categories: string[];
  save: (request: FaqSaveRequest) => Promise<FaqEntryView>;
  onSaved: (entry: FaqEntryView) => void;
  onClose: () => void;
}

function initialValues(entry?: FaqEntryView): FormValues {
  return {
    question: entry?.question ?? '',
    similarQuestions: entry?.similarQuestions ?? [],
    answer: entry?.answer ?? '',
    category: entry?.category ?? '',
    scope: entry?.integrationId ?? ALL_SCOPE,
    enabled: entry?.enabled ?? true,
  };
}

/** Server field names (`similarQuestions[3]`, `integrationId`) → form field names. */
function fieldOf(field: string): keyof FormValues | null {
  const head = field.replace(/\[\d+\]$/, '');
  if (head === 'integrationId') return 'scope';
  return (['question', 'similarQuestions', 'answer', 'category', 'enabled'] as const).find((f) => f === head) ?? null;
}

function applyServerProblems(form: FormInstance<FormValues>, problems: { field: string; message: I18nText }[], pick: (t: I18nText) => string): I18nText[] {
  const unmatched: I18nText[] = [];
  const byField = new Map<keyof FormValues, string[]>();
  for (const p of problems) {
    const f = fieldOf(p.field);
    if (!f) unmatched.push(p.message);
    else byField.set(f, [...(byField.get(f) ?? []), pick(p.message)]);
  }
  form.setFields([...byField.entries()].map(([name, errors]) => ({ name, errors })));
  return unmatched;
}

/** Create / edit one FAQ entry, with a per-channel preview of the answer. */
export function FaqEntryDrawer({ open, entry, integrations, categories, save, onSaved, onClose }: FaqEntryDrawerProps) {
  const { t, pick, lang } = useI18n();
  const [form] = Form.useForm<FormValues>();
  const [saving, setSaving] = useState(false);
  const [formError, setFormError] = useState<string | null>(null);
  const [unmatched, setUnmatched] = useState<I18nText[]>([]);
  const answer = Form.useWatch('answer', form);
  const preview = useAnswerPreview(answer, open);

  useEffect(() => {
    if (!open) return;
    form.resetFields();
    form.setFieldsValue(initialValues(entry));
    setFormError(null);
    setUnmatched([]);
  }, [open, entry, form]);

  const onFinish = async (values: FormValues) => {
    setSaving(true);
    setFormError(null);
    setUnmatched([]);
    const v = { ...initialValues(entry), ...values };
    const body: FaqEntryInput = {
      integrationId: v.scope === ALL_SCOPE ? null : v.scope,
      category: v.category.trim(),
      question: v.question.trim(),
      similarQuestions: v.similarQuestions,
      answer: v.answer.trim(),
      enabled: v.enabled,
    };
    try {
      onSaved(await save(entry ? { kind: 'update', id: entry.id, body } : { kind: 'create', body }));
    } catch (error) {
      if (isApiError(error) && error.fieldProblems.length > 0) {
        setUnmatched(applyServerProblems(form, error.fieldProblems, pick));
        setFormError(t('faq.fixErrors'));
      } else {
        setFormError(isApiError(error) ? `${t('faq.saveFailed')}: ${error.localized(lang)}` : t('faq.saveFailed'));
      }
    } finally {
      setSaving(false);
    }
  };

  return (
    <Drawer
      open={open}
      onClose={onClose}
      size={600}
      title={entry ? t('faq.editTitle') : t('faq.newTitle')}
      forceRender
      rootClassName="faq-drawer"
      footer={
        <Space style={{ justifyContent: 'flex-end', width: '100%' }}>
          <Button onClick={onClose}>{t('common.cancel')}</Button>
          <Button type="primary" loading={saving} onClick={() => form.submit()} data-testid="faq-submit">
            {t('common.save')}
          </Button>
        </Space>
      }
    >
      <Form<FormValues> form={form} layout="vertical" onFinish={onFinish}>
        {(formError || unmatched.length > 0) && (
          <Alert
            type="error"
            showIcon
            style={{ marginBottom: 16 }}
            title={formError ?? t('faq.saveFailed')}
            description={unmatched.length ? unmatched.map((m, i) => <div key={i}>{pick(m)}</div>) : undefined}
          />
        )}
        <Form.Item
          label={t('faq.field.question')}
          name="question"
          rules={[
            { required: true, whitespace: true, message: t('faq.questionRequired') },
            { max: FAQ_LIMITS.question, message: t('faq.questionTooLong', { max: FAQ_LIMITS.question }) },
          ]}
        >
          <Input />
        </Form.Item>
        <Form.Item
          label={t('faq.field.similar')}
          name="similarQuestions"
          extra={t('faq.similarHelp')}
          rules={[
            {
              validator: async (_r, value: string[] | undefined) => {
                const list = value ?? [];
                if (list.length > FAQ_LIMITS.similar) throw new Error(t('faq.similarTooMany', { max: FAQ_LIMITS.similar }));
                if (list.some((s) => s.length > FAQ_LIMITS.similarLength)) throw new Error(t('faq.similarTooLong', { max: FAQ_LIMITS.similarLength }));
              },
            },
          ]}
        >
          <SimilarQuestionsInput placeholder={t('faq.similarPlaceholder')} aria-label={t('faq.field.similar')} />
        </Form.Item>
        <Form.Item
          label={t('faq.field.answer')}
          name="answer"
          extra={t('faq.answerHelp')}
          rules={[
            { required: true, whitespace: true, message: t('faq.answerRequired') },
            { max: FAQ_LIMITS.answer, message: t('faq.answerTooLong', { max: FAQ_LIMITS.answer }) },
          ]}
        >
          <Input.TextArea autoSize={{ minRows: 4, maxRows: 12 }} showCount maxLength={FAQ_LIMITS.answer} />
        </Form.Item>
        {preview && preview.length > 0 && (
          <Card size="small" title={t('faq.preview')} style={{ marginBottom: 16 }} data-testid="faq-answer-preview">
            {preview.map((part, i) => (
              <div key={i} style={{ marginBottom: 8 }}>
                <Typography.Paragraph style={{ whiteSpace: 'pre-wrap', marginBottom: 0 }}>{part.preview}</Typography.Paragraph>
                {part.bytes !== undefined && <Typography.Text type="secondary">{t('faq.previewBytes', { bytes: part.bytes })}</Typography.Text>}
              </div>
            ))}
          </Card>
        )}
        <Form.Item label={t('faq.field.category')} name="category" rules={[{ max: FAQ_LIMITS.category, message: t('faq.categoryTooLong', { max: FAQ_LIMITS.category }) }]}>
          <AutoComplete
            options={categories.map((c) => ({ value: c }))}
            placeholder={t('faq.categoryPlaceholder')}
            filterOption={(input, option) => String(option?.value ?? '').toLowerCase().includes(input.toLowerCase())}
          />
        </Form.Item>
        <Form.Item label={t('faq.field.scope')} name="scope">
          <Select options={[{ value: ALL_SCOPE, label: t('faq.allIntegrations') }, ...integrations.map((i) => ({ value: i.id, label: i.name }))]} />
        </Form.Item>
        <Form.Item label={t('faq.field.enabled')} name="enabled" valuePropName="checked">
          <Switch />
        </Form.Item>
      </Form>
    </Drawer>
  );
}
