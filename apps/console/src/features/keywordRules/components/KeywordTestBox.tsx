import { Alert, Space, Tag, Typography } from 'antd';
import type { IntegrationView } from '@imbridge/contracts';
import { useI18n } from '../../../i18n';
import { TryItBox } from '../../layout/components/TryItBox';
import { keywordRulesApi, type KeywordRuleTestResult } from '../api/keywordRulesApi';
import { ALL_INTEGRATIONS } from '../utils/ruleForm';
import { ReplyPreview } from './ReplyPreview';

/** "Which rule would answer this message?" — POST /api/keyword-rules/test. */
export function KeywordTestBox({ integrations }: { integrations: IntegrationView[] }) {
  const { t } = useI18n();

  const renderResult = (result: KeywordRuleTestResult) =>
    result.matched ? (
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
    ) : (
      <Alert
        type="info"
        showIcon
        data-testid="rule-test-result"
        title={t('rules.test.noMatch')}
        description={t('rules.test.candidates', { count: result.candidates })}
      />
    );

  return (
    <TryItBox
      integrations={integrations}
      anyValue={ALL_INTEGRATIONS}
      textKeys="rules.test"
      integrationLabel={t('rules.field.integration')}
      textLabel={t('rules.test.sample')}
      test={keywordRulesApi.test}
      renderResult={renderResult}
      runTestId="rule-test-run"
    />
  );
}
