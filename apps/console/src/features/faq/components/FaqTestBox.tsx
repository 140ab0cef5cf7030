import { Alert, Space, Tag, Typography } from 'antd';
import type { IntegrationView } from '@imbridge/contracts';
import { useI18n } from '../../../i18n';
import { TryItBox } from '../../layout/components/TryItBox';
import { faqApi, type FaqTestResult } from '../api/faqApi';
import { ALL_SCOPE } from './FaqEntryDrawer';

const score = (n: number) => n.toFixed(2);

/** "Which entry would answer this?" — POST /api/faq/test, with the score and "did you mean". */
export function FaqTestBox({ integrations }: { integrations: IntegrationView[] }) {
  const { t } = useI18n();

  const renderResult = (result: FaqTestResult) => (
    <div data-testid="faq-test-result">
      {result.entry ? (
        <Alert
          type="success"
          title={
            <Space wrap>
              <span>{t('faq.test.matched')}</span>
              <Typography.Text strong>{result.entry.question}</Typography.Text>
              <Tag color="green">{t('faq.test.score', { score: score(result.score) })}</Tag>
            </Space>
          }
          description={<Typography.Paragraph style={{ whiteSpace: 'pre-wrap', marginBottom: 0 }}>{result.entry.answer}</Typography.Paragraph>}
        />
      ) : (
        <Alert
          type="warning"
          title={
            <Space wrap>
              <span>{t('faq.test.noMatch')}</span>
              {result.threshold !== undefined && <Tag>{t('faq.test.threshold', { threshold: score(result.threshold) })}</Tag>}
            </Space>
          }
        />
      )}
      {result.suggestions.length > 0 && (
        <div style={{ marginTop: 8 }}>
          <Typography.Text type="secondary">{t('faq.test.suggestions')}</Typography.Text>
          {result.suggestions.map((s) => (
            <div key={s.id} style={{ display: 'flex', justifyContent: 'space-between', gap: 8, padding: '4px 0' }}>
              <span>{s.question}</span>
              <Tag>{t('faq.test.score', { score: score(s.score) })}</Tag>
            </div>
          ))}
        </div>
      )}
    </div>
  );

  return (
    <TryItBox
      integrations={integrations}
      anyValue={ALL_SCOPE}
      textKeys="faq.test"
      integrationLabel={t('faq.field.scope')}
      textLabel={t('faq.test.title')}
      test={faqApi.test}
      renderResult={renderResult}
      testId="faq-test-box"
      runTestId="faq-test-run"
    />
  );
}
