import { useEffect, useState } from 'react';
import { ArrowDownOutlined, ArrowUpOutlined, ExperimentOutlined, RobotOutlined } from '@ant-design/icons';
import { Alert, App, Button, Card, Col, Divider, Input, InputNumber, Radio, Row, Skeleton, Slider, Space, Switch, Tag, Typography } from 'antd';
import { menuAsText, type BotStepKind, type BotStepSetting, type OutgoingMessage } from '@imbridge/contracts';
import { isApiError } from '../../../api/client';
import { useI18n } from '../../../i18n';
import { KeywordTagsInput } from '../../keywordRules/components/KeywordTagsInput';
import { botSettingsApi, type BotSettingsInput, type BotSettingsView, type BotTestResult } from '../api/botSettingsApi';

type AppKind = 'none' | 'openai' | 'webhook';

/** The editable copy of the settings (the secret is write-only: typed here, never loaded). */
interface Draft {
  steps: BotStepSetting[];
  faqThreshold: number;
  faqSuggestions: boolean;
  fallbackText: string;
  handoffAfterFailures: number;
  handoffKeywords: string[];
  autoAssign: boolean;
  appKind: AppKind;
  url: string;
  model: string;
  systemPrompt: string;
  historyMessages: number;
  timeoutMs: number;
  stream: boolean;
  handoffMarker: string;
  secret: string;
  clearSecret: boolean;
}

function draftOf(s: BotSettingsView): Draft {
  const a = s.externalApp;
  return {
    steps: s.steps,
    faqThreshold: s.faqThreshold,
    faqSuggestions: s.faqSuggestions,
    fallbackText: s.fallbackText ?? '',
    handoffAfterFailures: s.handoffAfterFailures,
    handoffKeywords: s.handoffKeywords,
    autoAssign: s.autoAssign,
    appKind: a?.kind ?? 'none',
    url: a?.url ?? '',
    model: a?.model ?? '',
    systemPrompt: a?.systemPrompt ?? '',
    historyMessages: a?.historyMessages ?? 10,
    timeoutMs: a?.timeoutMs ?? 15000,
    stream: a?.stream ?? true,
    handoffMarker: a?.handoffMarker ?? '',
    secret: '',
    clearSecret: false,
  };
}

/** The PUT body; the secret only when typed, optional texts only when filled in. */
export function inputOf(d: Draft): BotSettingsInput {
  const optional = (key: 'model' | 'systemPrompt' | 'handoffMarker', value: string) => (value.trim() ? { [key]: value.trim() } : {});
  return {
    steps: d.steps,
    faqThreshold: d.faqThreshold,
    faqSuggestions: d.faqSuggestions,
    fallbackText: d.fallbackText.trim() ? d.fallbackText : null,
    handoffAfterFailures: d.handoffAfterFailures,
    handoffKeywords: d.handoffKeywords,
    autoAssign: d.autoAssign,
    externalApp:
      d.appKind === 'none'
        ? null
        : {
            kind: d.appKind,
            url: d.url.trim(),
            ...(d.appKind === 'openai' ? optional('model', d.model) : {}),
            ...optional('systemPrompt', d.systemPrompt),
            historyMessages: d.historyMessages,
            timeoutMs: d.timeoutMs,
            stream: d.appKind === 'openai' ? d.stream : false,
            ...optional('handoffMarker', d.handoffMarker),
          },
    ...(d.secret ? { appSecret: d.secret } : {}),
    ...(d.clearSecret && !d.secret ? { clearAppSecret: true as const } : {}),
  };
}

function messagePreview(m: OutgoingMessage, imageLabel: (url: string) => string): string {
  switch (m.type) {
    case 'text':
      return m.text;
    case 'markdown':
      return m.markdown;
    case 'image':
      return imageLabel(m.url ?? m.mediaId ?? '');
    case 'file':
      return m.fileName ?? m.url ?? '';
    case 'textcard':
      return `${m.title}\n${m.description}`;
    case 'news':
      return m.articles.map((a) => `${a.title}${a.url ? ` — ${a.url}` : ''}`).join('\n');
    case 'menu':
      return menuAsText(m);
  }
}

/** The bot pipeline of one saved integration: steps, FAQ, fallback, handoff, external app, and a dry-run box. */
export function BotSettingsCard({ integrationId }: { integrationId: string }) {
  const { t, lang } = useI18n();
  const { message } = App.useApp();
  const [saved, setSaved] = useState<BotSettingsView | null>(null);
  const [draft, setDraft] = useState<Draft | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const [saveError, setSaveError] = useState<{ summary: string; fields: string[] } | null>(null);
  const [sample, setSample] = useState('');
  const [testing, setTesting] = useState(false);
  const [result, setResult] = useState<BotTestResult | null>(null);
  const [testError, setTestError] = useState<string | null>(null);

  useEffect(() => {
    const controller = new AbortController();
    botSettingsApi
      .get(integrationId, controller.signal)
      .then((s) => {
        setSaved(s);
        setDraft(draftOf(s));
      })
      .catch((err: unknown) => {
        if (controller.signal.aborted) return;
        setLoadError(isApiError(err) ? err.localized(lang) : t('bot.loadFailed'));
      });
    return () => controller.abort();
    // lang/t only shape the error text; reloading on a language switch is not wanted.
  }, [integrationId]);

  if (loadError) return <Card title={t('bot.title')}><Alert type="error" showIcon title={t('bot.loadFailed')} description={loadError} /></Card>;
  if (!draft || !saved) {
    return (
      <Card title={t('bot.title')}>
        <Skeleton active paragraph={{ rows: 6 }} />
      </Card>
    );
  }

  const set = <K extends keyof Draft>(key: K, value: Draft[K]) => setDraft((d) => (d ? { ...d, [key]: value } : d));
  const stepName = (step: BotStepKind) => t(`bot.step.${step}`);
  const move = (index: number, by: -1 | 1) => {
    const steps = [...draft.steps];
    const [item] = steps.splice(index, 1);
    steps.splice(index + by, 0, item!);
    set('steps', steps);
  };

  const save = async () => {
    setSaving(true);
    setSaveError(null);
    try {
      const next = await botSettingsApi.update(integrationId, inputOf(draft));
      setSaved(next);
      setDraft(draftOf(next));
      message.success(t('bot.saved'));
    } catch (err) {
      if (isApiError(err)) {
        setSaveError({ summary: err.localized(lang), fields: err.fieldProblems.map((p) => `${p.field}: ${lang === 'zh' ? p.message.zh : p.message.en}`) });
      } else {
        setSaveError({ summary: t('common.unexpectedError'), fields: [] });
      }
    } finally {
      setSaving(false);
    }
  };

  const runTest = async () => {
    if (!sample.trim()) return;
    setTesting(true);
    setTestError(null);
    try {
      setResult(await botSettingsApi.test(integrationId, sample));
    } catch (err) {
      setResult(null);
      setTestError(isApiError(err) ? err.localized(lang) : t('common.unexpectedError'));
    } finally {
      setTesting(false);
    }
  };

  const secretLabel = draft.appKind === 'webhook' ? t('bot.app.secret') : t('bot.app.key');
  const secretStatus = draft.clearSecret
    ? t('bot.app.secretWillClear')
    : saved.appSecret.set
      ? saved.appSecret.last4
        ? t('bot.app.secretSet', { last4: saved.appSecret.last4 })
        : t('bot.app.secretSetNoHint')
      : t('bot.app.secretNotSet');

  return (
    <Card
      data-testid="bot-settings-card"
      title={
        <span className="card-title">
          <RobotOutlined /> {t('bot.title')}
        </span>
      }
    >
      <Typography.Paragraph type="secondary">{t('bot.hint')}</Typography.Paragraph>
      <Row gutter={[24, 16]}>
        <Col xs={24} lg={12}>
          <Typography.Title level={5}>{t('bot.steps')}</Typography.Title>
          <ol className="plain-list" data-testid="bot-steps">
            {draft.steps.map((s, i) => (
              <li key={s.step} data-step={s.step} style={{ display: 'flex', alignItems: 'center', gap: 8, padding: '4px 0' }}>
                <Tag>{i + 1}</Tag>
                <span style={{ flex: 1 }}>{stepName(s.step)}</span>
                <Switch
                  size="small"
                  aria-label={t('bot.step.enable', { name: stepName(s.step) })}
                  checked={s.enabled}
                  onChange={(on) => set('steps', draft.steps.map((x) => (x.step === s.step ? { ...x, enabled: on } : x)))}
                />
                <Button size="small" type="text" icon={<ArrowUpOutlined />} aria-label={t('bot.step.up', { name: stepName(s.step) })} disabled={i === 0} onClick={() => move(i, -1)} />
                <Button
                  size="small"
                  type="text"
                  icon={<ArrowDownOutlined />}
                  aria-label={t('bot.step.down', { name: stepName(s.step) })}
                  disabled={i === draft.steps.length - 1}
                  onClick={() => move(i, 1)}
                />
              </li>
            ))}
          </ol>

          <Divider titlePlacement="start">{t('bot.faq')}</Divider>
          <label htmlFor="bot-faq-threshold">
            {t('bot.faqThreshold')}: <Typography.Text strong>{draft.faqThreshold.toFixed(2)}</Typography.Text>
          </label>
          <Slider id="bot-faq-threshold" aria-label={t('bot.faqThreshold')} min={0.1} max={0.9} step={0.05} value={draft.faqThreshold} onChange={(v) => set('faqThreshold', v)} />
          <Typography.Text type="secondary" className="small-text">
            {t('bot.faqThresholdHint')}
          </Typography.Text>
          <div style={{ marginTop: 8 }}>
            <Space>
              <Switch size="small" aria-label={t('bot.faqSuggestions')} checked={draft.faqSuggestions} onChange={(v) => set('faqSuggestions', v)} />
              <span>{t('bot.faqSuggestions')}</span>
            </Space>
          </div>

          <Divider titlePlacement="start">{t('bot.fallbackText')}</Divider>
          <Input.TextArea
            aria-label={t('bot.fallbackText')}
            placeholder={t('bot.fallbackPlaceholder')}
            value={draft.fallbackText}
            maxLength={2000}
            autoSize={{ minRows: 2, maxRows: 5 }}
            onChange={(e) => set('fallbackText', e.target.value)}
          />

          <Divider titlePlacement="start">{t('bot.handoff')}</Divider>
          <Space orientation="vertical" style={{ width: '100%' }}>
            <Space wrap>
              <span>{t('bot.handoffAfterFailures')}</span>
              <InputNumber
                aria-label={t('bot.handoffAfterFailures')}
                min={0}
                max={100}
                precision={0}
                value={draft.handoffAfterFailures}
                onChange={(v) => set('handoffAfterFailures', v ?? 0)}
              />
              <Typography.Text type="secondary" className="small-text">
                {t('bot.handoffAfterFailuresHint')}
              </Typography.Text>
            </Space>
            <span>{t('bot.handoffKeywords')}</span>
            <KeywordTagsInput
              aria-label={t('bot.handoffKeywords')}
              placeholder={t('bot.handoffKeywordsPlaceholder')}
              value={draft.handoffKeywords}
              onChange={(v) => set('handoffKeywords', v)}
            />
            <Space>
              <Switch size="small" aria-label={t('bot.autoAssign')} checked={draft.autoAssign} onChange={(v) => set('autoAssign', v)} />
              <span>{t('bot.autoAssign')}</span>
            </Space>
          </Space>
        </Col>

        <Col xs={24} lg={12}>
          <Typography.Title level={5}>{t('bot.app')}</Typography.Title>
          <Radio.Group
            aria-label={t('bot.app.kind')}
            value={draft.appKind}
            onChange={(e) => set('appKind', e.target.value as AppKind)}
            options={[
              { value: 'none', label: t('bot.app.none') },
              { value: 'openai', label: t('bot.app.openai') },
              { value: 'webhook', label: t('bot.app.webhook') },
            ]}
          />
          {draft.appKind !== 'none' && (
            <Space orientation="vertical" style={{ width: '100%', marginTop: 12 }} data-testid="bot-app-fields">
              <label>
                {t('bot.app.url')}
                <Input aria-label={t('bot.app.url')} value={draft.url} onChange={(e) => set('url', e.target.value)} placeholder="https://" />
              </label>
              <Typography.Text type="secondary" className="small-text">
                {draft.appKind === 'openai' ? t('bot.app.urlHintOpenai') : t('bot.app.urlHintWebhook')}
              </Typography.Text>
              <label>
                {secretLabel}{' '}
                <Typography.Text type="secondary" data-testid="bot-secret-status">
                  {secretStatus}
                </Typography.Text>
                <Space.Compact style={{ width: '100%' }}>
                  <Input.Password
                    aria-label={secretLabel}
                    autoComplete="new-password"
                    value={draft.secret}
                    placeholder={saved.appSecret.set ? t('bot.app.secretKeep') : ''}
                    onChange={(e) => setDraft((d) => (d ? { ...d, secret: e.target.value, clearSecret: false } : d))}
                  />
                  {saved.appSecret.set && (
                    <Button onClick={() => setDraft((d) => (d ? { ...d, secret: '', clearSecret: true } : d))} disabled={draft.clearSecret}>
                      {t('bot.app.clearSecret')}
                    </Button>
                  )}
                </Space.Compact>
              </label>
              {draft.appKind === 'openai' && (
                <label>
                  {t('bot.app.model')}
                  <Input aria-label={t('bot.app.model')} value={draft.model} onChange={(e) => set('model', e.target.value)} />
                </label>
              )}
              <label>
                {t('bot.app.systemPrompt')}
                <Input.TextArea
                  aria-label={t('bot.app.systemPrompt')}
                  value={draft.systemPrompt}
                  maxLength={8000}
                  autoSize={{ minRows: 2, maxRows: 6 }}
                  onChange={(e) => set('systemPrompt', e.target.value)}
                />
              </label>
              <Space wrap>
                <label>
                  {t('bot.app.history')}{' '}
                  <InputNumber aria-label={t('bot.app.history')} min={0} max={50} precision={0} value={draft.historyMessages} onChange={(v) => set('historyMessages', v ?? 0)} />
                </label>
                <label>
                  {t('bot.app.timeout')}{' '}
                  <InputNumber aria-label={t('bot.app.timeout')} min={1000} max={60000} step={1000} precision={0} value={draft.timeoutMs} onChange={(v) => set('timeoutMs', v ?? 15000)} />
                </label>
              </Space>
              {draft.appKind === 'openai' && (
                <Space>
                  <Switch size="small" aria-label={t('bot.app.stream')} checked={draft.stream} onChange={(v) => set('stream', v)} />
                  <span>{t('bot.app.stream')}</span>
                </Space>
              )}
              <label>
                {t('bot.app.handoffMarker')}
                <Input aria-label={t('bot.app.handoffMarker')} value={draft.handoffMarker} placeholder="[[HUMAN]]" onChange={(e) => set('handoffMarker', e.target.value)} />
              </label>
              <Typography.Text type="secondary" className="small-text">
                {t('bot.app.handoffMarkerHint')}
              </Typography.Text>
            </Space>
          )}

          <Divider />
          {saveError && (
            <Alert
              type="error"
              showIcon
              style={{ marginBottom: 12 }}
              data-testid="bot-save-error"
              title={saveError.summary}
              description={saveError.fields.length ? <ul className="plain-list">{saveError.fields.map((f) => <li key={f}>{f}</li>)}</ul> : undefined}
            />
          )}
          <Button type="primary" onClick={() => void save()} loading={saving} data-testid="bot-save">
            {t('bot.save')}
          </Button>

          <Card
            size="small"
            style={{ marginTop: 24 }}
            title={
              <span className="card-title">
                <ExperimentOutlined /> {t('bot.try.title')}
              </span>
            }
          >
            <Typography.Paragraph type="secondary" className="small-text">
              {t('bot.try.saveFirst')}
            </Typography.Paragraph>
            <Space orientation="vertical" style={{ width: '100%' }}>
              <Input.TextArea
                aria-label={t('bot.try.title')}
                placeholder={t('bot.try.placeholder')}
                value={sample}
                autoSize={{ minRows: 2, maxRows: 4 }}
                onChange={(e) => setSample(e.target.value)}
              />
              <Button onClick={() => void runTest()} loading={testing} disabled={!sample.trim()} data-testid="bot-test-run">
                {t('bot.try.run')}
              </Button>
              {testError && <Alert type="error" showIcon title={testError} />}
              {result && (
                <div data-testid="bot-test-result">
                  <Space wrap>
                    <span>{t('bot.try.answeredBy')}</span>
                    <Tag color={result.answeredBy ? 'blue' : 'default'} data-testid="bot-test-answered-by" data-answered-by={result.answeredBy ?? ''}>
                      {result.answeredBy ? t(`bot.try.answered.${result.answeredBy}`) : t('bot.try.nobody')}
                    </Tag>
                    <Typography.Text type="secondary" className="small-text">
                      {t('bot.try.ms', { ms: result.ms })}
                    </Typography.Text>
                  </Space>
                  {result.messages.map((m, i) => (
                    // Untrusted text (an app's answer): rendered as plain text only.
                    <pre key={i} className="bot-test-message" style={{ whiteSpace: 'pre-wrap', margin: '8px 0', padding: 8, background: 'rgba(0,0,0,0.04)', borderRadius: 6 }}>
                      {messagePreview(m, (url) => t('bot.try.image', { url }))}
                    </pre>
                  ))}
                  {result.suggestions && result.suggestions.length > 0 && (
                    <div>
                      {t('bot.try.suggestions')}: {result.suggestions.map((q) => <Tag key={q}>{q}</Tag>)}
                    </div>
                  )}
                  {result.error && <Alert type="warning" showIcon style={{ marginTop: 8 }} title={t('bot.try.appError', { message: lang === 'zh' ? result.error.messageZh : result.error.message })} />}
                </div>
              )}
            </Space>
          </Card>
        </Col>
      </Row>
    </Card>
  );
}
