import { useState, type ReactNode } from 'react';
import { ExperimentOutlined } from '@ant-design/icons';
import { Alert, Button, Input, Select, Space, Typography } from 'antd';
import type { IntegrationView } from '@imbridge/contracts';
import { isApiError } from '../../../api/client';
import { useI18n } from '../../../i18n';
import type { MessageKey } from '../../../i18n/zh';
import { SideCard } from './SideCard';

type TryItTextKey = 'title' | 'hint' | 'anyIntegration' | 'placeholder' | 'run';
/** A dictionary prefix `p` that has every `p.title`, `p.hint`, … the box shows. */
export type TryItTextPrefix = { [K in MessageKey]: K extends `${infer P}.title` ? (`${P}.${TryItTextKey}` extends MessageKey ? P : never) : never }[MessageKey];

interface TryItBoxProps<R> {
  integrations: IntegrationView[];
  /** The select value that stands for "any integration" (sent as null). */
  anyValue: string;
  /** Where the box's own texts are: `${textKeys}.title`, `.hint`, `.anyIntegration`, `.placeholder`, `.run`. */
  textKeys: TryItTextPrefix;
  integrationLabel: string;
  textLabel: string;
  test: (body: { integrationId: string | null; text: string }) => Promise<R>;
  renderResult: (result: R) => ReactNode;
  testId?: string;
  runTestId: string;
}

/** The side "try it" box: pick an integration, type a message, ask the API what would answer it. */
export function TryItBox<R>({ integrations, anyValue, textKeys, integrationLabel, textLabel, test, renderResult, testId, runTestId }: TryItBoxProps<R>) {
  const { t, lang } = useI18n();
  const own = (key: TryItTextKey) => t(`${textKeys}.${key}`);
  const [integrationId, setIntegrationId] = useState<string>(anyValue);
  const [text, setText] = useState('');
  const [testing, setTesting] = useState(false);
  const [result, setResult] = useState<R | null>(null);
  const [error, setError] = useState<string | null>(null);

  const run = async () => {
    if (!text.trim()) return;
    setTesting(true);
    setError(null);
    try {
      setResult(await test({ integrationId: integrationId === anyValue ? null : integrationId, text }));
    } catch (err) {
      setResult(null);
      setError(isApiError(err) ? err.localized(lang) : t('common.unexpectedError'));
    } finally {
      setTesting(false);
    }
  };

  return (
    <SideCard icon={<ExperimentOutlined />} title={own('title')} testId={testId}>
      <Typography.Paragraph type="secondary">{own('hint')}</Typography.Paragraph>
      <Space orientation="vertical" style={{ width: '100%' }}>
        <Select
          aria-label={integrationLabel}
          style={{ width: '100%' }}
          value={integrationId}
          onChange={setIntegrationId}
          options={[{ value: anyValue, label: own('anyIntegration') }, ...integrations.map((i) => ({ value: i.id, label: i.name }))]}
        />
        <Input.TextArea
          aria-label={textLabel}
          placeholder={own('placeholder')}
          value={text}
          onChange={(e) => setText(e.target.value)}
          autoSize={{ minRows: 2, maxRows: 5 }}
        />
        <Button type="primary" ghost onClick={() => void run()} loading={testing} disabled={!text.trim()} data-testid={runTestId}>
          {own('run')}
        </Button>
        {error && <Alert type="error" showIcon title={error} />}
        {result !== null && renderResult(result)}
      </Space>
    </SideCard>
  );
}
