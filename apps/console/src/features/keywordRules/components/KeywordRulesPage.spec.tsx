import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { adminUser, agentUser, wecomIntegration } from '../../../test/fixtures';
import { mockFetch, renderApp } from '../../../test/render';
import type { KeywordRuleView } from '../api/keywordRulesApi';

const priceRule: KeywordRuleView = {
  id: 'r-1',
  integrationId: null,
  name: '价格咨询',
  keywords: ['价格', '报价'],
  matchType: 'contains',
  priority: 100,
  enabled: true,
  reply: { type: 'text', text: '价格请看 https://example.com/price' },
  createdAt: '2025-05-01T00:00:00.000Z',
  updatedAt: '2025-05-01T00:00:00.000Z',
};

const baseRoutes = [
  { path: '/api/integrations', body: [wecomIntegration] },
  { path: '/api/keyword-rules', body: [priceRule] },
];

const drawer = () => document.querySelector('.rule-drawer') as HTMLElement;

function addKeyword(value: string) {
  const input = within(drawer()).getByLabelText('关键词');
  fireEvent.change(input, { target: { value } });
  fireEvent.keyDown(input, { key: 'Enter', code: 'Enter', keyCode: 13, charCode: 13 });
}

describe('keyword rules', () => {
  it('lists rules and creates one with the expected body', async () => {
    const created = { ...priceRule, id: 'r-2', name: '营业时间', keywords: ['几点', '营业'], integrationId: 'int-1' };
    const { calls } = mockFetch([...baseRoutes, { method: 'POST', path: '/api/keyword-rules', status: 201, body: created }]);
    renderApp({ route: '/keyword-rules', user: adminUser });

    const row = (await screen.findByText('价格咨询')).closest('tr') as HTMLElement;
    expect(within(row).getByText('全部集成')).toBeTruthy();
    expect(within(row).getByText('报价')).toBeTruthy();
    expect(within(row).getByText('包含')).toBeTruthy();

    fireEvent.click(screen.getByRole('button', { name: /新建规则/ }));
    await waitFor(() => expect(drawer()).toBeTruthy());
    fireEvent.change(within(drawer()).getByLabelText('名称'), { target: { value: '营业时间' } });
    addKeyword('几点');
    addKeyword('营业，几点'); // comma-separated; duplicates dropped
    expect(within(within(drawer()).getByTestId('keyword-tags')).getAllByText(/几点|营业/)).toHaveLength(2);
    fireEvent.click(within(drawer()).getByText('完全匹配'));
    fireEvent.change(within(drawer()).getByLabelText('回复文本'), { target: { value: '每天 9:00-18:00' } });
    fireEvent.change(within(drawer()).getByLabelText('优先级'), { target: { value: '200' } });
    fireEvent.click(screen.getByTestId('rule-submit'));

    await waitFor(() => expect(calls.some((c) => c.method === 'POST' && c.path === '/api/keyword-rules')).toBe(true));
    const post = calls.find((c) => c.method === 'POST' && c.path === '/api/keyword-rules')!;
    expect(post.body).toEqual({
      integrationId: null,
      name: '营业时间',
      keywords: ['几点', '营业'],
      matchType: 'exact',
      priority: 200,
      enabled: true,
      reply: { type: 'text', text: '每天 9:00-18:00' },
    });
    expect(await screen.findByText('营业时间')).toBeTruthy();
  });

  it('edits a rule with PUT and maps server validation errors onto the fields', async () => {
    const { calls } = mockFetch([
      ...baseRoutes,
      {
        method: 'PUT',
        path: '/api/keyword-rules/r-1',
        status: 400,
        body: {
          statusCode: 400,
          code: 'VALIDATION_FAILED',
          message: 'Validation failed',
          messageZh: '校验失败',
          details: [
            { field: 'keywords.1', message: { zh: '关键词“报价”已被规则“旧规则”使用', en: 'Keyword “报价” is used by rule “旧规则”' } },
            { field: 'reply.text', message: { zh: '回复文本太长', en: 'Reply text is too long' } },
            { field: 'mystery', message: { zh: '其他问题', en: 'Another problem' } },
          ],
        },
      },
    ]);
    renderApp({ route: '/keyword-rules', user: adminUser });
    const row = (await screen.findByText('价格咨询')).closest('tr') as HTMLElement;
    fireEvent.click(within(row).getByText('编辑').closest('button') as HTMLElement);
    await waitFor(() => expect((within(drawer()).getByLabelText('名称') as HTMLInputElement).value).toBe('价格咨询'));
    fireEvent.change(within(drawer()).getByLabelText('名称'), { target: { value: '价格' } });
    fireEvent.click(screen.getByTestId('rule-submit'));

    await waitFor(() => expect(calls.some((c) => c.method === 'PUT')).toBe(true));
    expect(calls.find((c) => c.method === 'PUT')!.body).toEqual({
      integrationId: null,
      name: '价格',
      keywords: ['价格', '报价'],
      matchType: 'contains',
      priority: 100,
      enabled: true,
      reply: { type: 'text', text: '价格请看 https://example.com/price' },
    });

    const keywordsItem = (await within(drawer()).findByText('关键词“报价”已被规则“旧规则”使用')).closest('.ant-form-item') as HTMLElement;
    expect(within(keywordsItem).getByLabelText('关键词')).toBeTruthy();
    const textItem = within(drawer()).getByText('回复文本太长').closest('.ant-form-item') as HTMLElement;
    expect(within(textItem).getByLabelText('回复文本')).toBeTruthy();
    expect(within(drawer()).getByText('其他问题')).toBeTruthy();
    expect(within(drawer()).getByText('请先修正标出的字段')).toBeTruthy();
  });

  it('requires keywords and a valid regex before submitting', async () => {
    const { calls } = mockFetch(baseRoutes);
    renderApp({ route: '/keyword-rules', user: adminUser });
    await screen.findByText('价格咨询');
    fireEvent.click(screen.getByRole('button', { name: /新建规则/ }));
    await waitFor(() => expect(drawer()).toBeTruthy());
    fireEvent.change(within(drawer()).getByLabelText('名称'), { target: { value: 'x' } });
    fireEvent.click(within(drawer()).getByText('正则'));
    addKeyword('(unclosed');
    fireEvent.click(screen.getByTestId('rule-submit'));
    expect(await within(drawer()).findByText('不是有效的正则表达式：(unclosed')).toBeTruthy();
    expect(calls.some((c) => c.method === 'POST')).toBe(false);
  });

  it('the test box shows which rule would fire', async () => {
    const { calls } = mockFetch([
      ...baseRoutes,
      { method: 'POST', path: '/api/keyword-rules/test', body: { matched: priceRule, keyword: '价格', candidates: 3 } },
    ]);
    renderApp({ route: '/keyword-rules', user: adminUser });
    await screen.findByText('价格咨询');

    fireEvent.change(screen.getByLabelText('示例消息'), { target: { value: '请问价格多少' } });
    fireEvent.click(screen.getByTestId('rule-test-run'));
    const result = await screen.findByTestId('rule-test-result');
    expect(result.textContent).toContain('将触发规则“价格咨询”');
    expect(within(result).getByText('价格')).toBeTruthy();
    expect(result.textContent).toContain('共检查了 3 条启用的规则');
    expect(calls.find((c) => c.path === '/api/keyword-rules/test')!.body).toEqual({ integrationId: null, text: '请问价格多少' });
  });

  it('the test box says when nothing matches', async () => {
    mockFetch([...baseRoutes, { method: 'POST', path: '/api/keyword-rules/test', body: { matched: null, keyword: null, candidates: 5 } }]);
    renderApp({ route: '/keyword-rules', user: adminUser, lang: 'en' });
    await screen.findByText('价格咨询');
    fireEvent.change(screen.getByLabelText('Sample message'), { target: { value: 'hello' } });
    fireEvent.click(screen.getByTestId('rule-test-run'));
    const result = await screen.findByTestId('rule-test-result');
    expect(result.textContent).toContain('No rule matches');
    expect(result.textContent).toContain('5 enabled rules checked');
  });

  it('is admin-only', async () => {
    mockFetch([]);
    renderApp({ route: '/keyword-rules', user: agentUser });
    expect(await screen.findByText('仅管理员可访问')).toBeTruthy();
  });
});
