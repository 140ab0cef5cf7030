import { SideCard } from '../../layout/components/SideCard';
import { useState } from 'react';
import { ExperimentOutlined } from '@ant-design/icons';
import { Alert, Button, Input, Select, Space, Tag, Typography } from 'antd';
import type { IntegrationView } from '@imbridge/contracts';
import { isApiError } from '../../../api/client';
import { useI18n } from '../../../i18n';
import { keywordRulesApi, type KeywordRuleTestResult } from '../api/keywordRulesApi';
import { ALL_INTEGRATIONS } from '../utils/ruleForm';
import { ReplyPreview } from './ReplyPreview';

/** "Which rule would answer this message?" — POST /api/keyword-rules/test. */
export function KeywordTestBox({ integrations }: { integrations: IntegrationView[] }) {
  const { t, lang } = useI18n();
  const [integrationId, setIntegrationId] = useState<string>(ALL_INTEGRATIONS);
  const [text, setText] = useState('');
  const [testing, setTesting] = useState(false);
  const [result, setResult] = useState<KeywordRuleTestResult | null>(null);
  const [error, setError] = useState<string | null>(null);

  const run = async () => {
    if (!text.trim()) return;
    setTesting(true);
    setError(null);
    try {
      setResult(await keywordRulesApi.test({ integrationId: integrationId === ALL_INTEGRATIONS ? null : integrationId, text }));
    } catch (err) {
      setResult(null);
      setError(isApiError(err) ? err.localized(lang) : t('common.unexpectedError'));
    } finally {
      setTesting(false);
    }
  };

  return (
    <SideCard
      icon={<ExperimentOutlined />}
      title={t('rules.test.title')}
    >
      <Typography.Paragraph type="secondary">{t('rules.test.hint')}</Typography.Paragraph>
      <Space orientation="vertical" style={{ width: '100%' }}>
        <Select
          aria-label={t('rules.field.integration')}
          style={{ width: '100%' }}
          value={integrationId}
          onChange={setIntegrationId}
          options={[
            { value: ALL_INTEGRATIONS, label: t('rules.test.anyIntegration') },
            ...integrations.map((i) => ({ value: i.id, label: i.name })),
          ]}
        />
        <Input.TextArea
          aria-label={t('rules.test.sample')}
          placeholder={t('rules.test.placeholder')}
          value={text}
          onChange={(e) => setText(e.target.value)}
          autoSize={{ minRows: 2, maxRows: 5 }}
        />
        <Button type="primary" ghost onClick={() => void run()} loading={testing} disabled={!text.trim()} data-testid="rule-test-run">
          {t('rules.test.run')}
        </Button>
        {error && <Alert type="error" showIcon title={error} />}
        {result && result.matched && (
          <Alert
            type="success"
            showIcon
            data-testid="rule-test-result"
            title={t('rules.test.matched', { name: result.matched.name })}
            description={
              <Space orientation="vertical" size={4}>
                {result.keyword && (
                  <span>
                    {t('rules.test.keyword')} <Tag>{result.keyword}</Tag>
                    <Tag color="blue">{t(`rules.match.${result.matched.matchType}`)}</Tag>
                  </span>
                )}
                <span>
                  {t('rules.test.reply')} <ReplyPreview reply={result.matched.reply} />
                </span>
                <Typography.Text type="secondary">{t('rules.test.candidates', { count: result.candidates })}</Typography.Text>
              </Space>
            }
          />
        )}
        {result && !result.matched && (
          <Alert
            type="info"
            showIcon
            data-testid="rule-test-result"
            title={t('rules.test.noMatch')}
            description={t('rules.test.candidates', { count: result.candidates })}
          />
        )}
      </Space>
    </SideCard>
  );
}
