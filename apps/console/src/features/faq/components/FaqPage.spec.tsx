import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { adminUser, wecomIntegration } from '../../../test/fixtures';
import { mockFetch, renderApp } from '../../../test/render';
import type { FaqEntryView, FaqImportReport } from '../api/faqApi';

const shipping: FaqEntryView = {
  id: 'f-1',
  integrationId: null,
  category: '物流',
  question: '什么时候发货？',
  similarQuestions: ['多久能发货', '下单后几天发货'],
  answer: '工作日 16:00 前付款当天发货。',
  enabled: true,
  createdAt: '2025-05-01T00:00:00.000Z',
  updatedAt: '2025-05-01T00:00:00.000Z',
};

const baseRoutes = [
  { path: '/api/integrations', body: [wecomIntegration] },
  { path: /^\/api\/faq\?/, body: { items: [shipping], total: 1 } },
  { path: '/api/faq/categories', body: ['物流', '售后'] },
];

const drawer = () => document.querySelector('.faq-drawer') as HTMLElement;

describe('FAQ page', () => {
  it('lists entries with their category, scope and similar questions; searching asks the server', async () => {
    const { calls } = mockFetch(baseRoutes);
    renderApp({ route: '/faq', user: adminUser });
    const row = (await screen.findByText('什么时候发货？')).closest('tr') as HTMLElement;
    expect(within(row).getByText('物流')).toBeTruthy();
    expect(within(row).getByText('全部集成')).toBeTruthy();
    expect(within(row).getByText('多久能发货')).toBeTruthy();

    const search = screen.getByPlaceholderText('搜索问题或答案');
    fireEvent.change(search, { target: { value: '发货' } });
    fireEvent.keyDown(search, { key: 'Enter', code: 'Enter', keyCode: 13, charCode: 13 });
    await waitFor(() => expect(calls.some((c) => c.path.startsWith('/api/faq?') && c.path.includes(`q=${encodeURIComponent('发货')}`))).toBe(true));
    expect(calls.find((c) => c.path.startsWith('/api/faq?'))!.path).toContain('limit=20&offset=0');
  });

  it('creates an entry with similar questions as tags and shows the channel preview', async () => {
    const created = { ...shipping, id: 'f-2', question: '怎么申请退款', similarQuestions: ['退款怎么操作，要多久', '我要退钱'], answer: '在订单页申请', category: '售后', integrationId: 'int-1' };
    const { calls } = mockFetch([
      ...baseRoutes,
      { method: 'POST', path: '/api/faq', status: 201, body: created },
      { method: 'POST', path: '/api/preview/answer', body: { parts: [{ type: 'text', preview: '在订单页申请（预览）', bytes: 18 }] } },
    ]);
    renderApp({ route: '/faq', user: adminUser });
    await screen.findByText('什么时候发货？');
    fireEvent.click(screen.getAllByRole('button', { name: /新建问答/ })[0]!);
    await waitFor(() => expect(drawer()).toBeTruthy());
    const d = within(drawer());
    fireEvent.change(d.getByLabelText('标准问题'), { target: { value: '怎么申请退款' } });
    const addSimilar = (value: string) => {
      const similar = d.getByLabelText('相似问题'); // re-queried: the tag list appearing re-renders the input
      fireEvent.change(similar, { target: { value } });
      fireEvent.keyDown(similar, { key: 'Enter', code: 'Enter', keyCode: 13, charCode: 13 });
      fireEvent.keyUp(similar, { key: 'Enter', code: 'Enter', keyCode: 13, charCode: 13 }); // antd's Input ignores a second Enter until key-up
    };
    addSimilar('退款怎么操作，要多久'); // a comma stays inside a question
    addSimilar('我要退钱');
    expect(d.getByTestId('similar-tags').textContent).toBe('退款怎么操作，要多久我要退钱');
    fireEvent.change(d.getByLabelText('答案'), { target: { value: '在订单页申请' } });
    fireEvent.change(d.getByLabelText('分类'), { target: { value: '售后' } });
    expect(await screen.findByText('在订单页申请（预览）', {}, { timeout: 3000 })).toBeTruthy();
    expect(calls.find((c) => c.path === '/api/preview/answer')!.body).toEqual({ platform: 'wecom', answer: { text: '在订单页申请' } });

    fireEvent.mouseDown(d.getByRole('combobox', { name: '适用范围' }));
    fireEvent.click(await screen.findByTitle('客服号 - 华东'));
    fireEvent.click(screen.getByTestId('faq-submit'));
    await waitFor(() => expect(calls.some((c) => c.method === 'POST' && c.path === '/api/faq')).toBe(true));
    expect(calls.find((c) => c.method === 'POST' && c.path === '/api/faq')!.body).toEqual({
      integrationId: 'int-1',
      category: '售后',
      question: '怎么申请退款',
      similarQuestions: ['退款怎么操作，要多久', '我要退钱'],
      answer: '在订单页申请',
      enabled: true,
    });
  });

  it('hides the preview quietly when the preview endpoint is missing and maps a 409 into the form', async () => {
    mockFetch([
      ...baseRoutes,
      { method: 'POST', path: '/api/faq', status: 409, body: { statusCode: 409, code: 'FAQ_DUPLICATE', message: 'exists', messageZh: '该范围内已存在标准问题"什么时候发货？"' } },
    ]);
    renderApp({ route: '/faq', user: adminUser });
    await screen.findByText('什么时候发货？');
    fireEvent.click(screen.getAllByRole('button', { name: /新建问答/ })[0]!);
    await waitFor(() => expect(drawer()).toBeTruthy());
    const d = within(drawer());
    fireEvent.change(d.getByLabelText('标准问题'), { target: { value: '什么时候发货？' } });
    fireEvent.change(d.getByLabelText('答案'), { target: { value: '当天' } });
    fireEvent.click(screen.getByTestId('faq-submit'));
    expect(await d.findByText(/已存在标准问题/)).toBeTruthy();
    expect(document.querySelector('[data-testid="faq-answer-preview"]')).toBeNull();
  });

  it('imports in two steps: a dry run with the report and row errors, then the real import', async () => {
    const dryReport: FaqImportReport = { created: 2, updated: 1, deleted: 0, skipped: 1, errors: [{ row: 4, message: { zh: '答案需为 1 到 4000 个字符', en: 'answer must be 1..4000 characters' } }], applied: false };
    const { calls } = mockFetch([
      ...baseRoutes,
      { method: 'POST', path: /^\/api\/faq\/import\?.*dryRun=true/, body: dryReport },
      { method: 'POST', path: /^\/api\/faq\/import\?.*dryRun=false/, body: { ...dryReport, applied: true } },
    ]);
    const fetchInits: RequestInit[] = [];
    const original = globalThis.fetch;
    globalThis.fetch = ((input: RequestInfo | URL, init?: RequestInit) => {
      if (init) fetchInits.push(init);
      return original(input, init);
    }) as typeof fetch;
    renderApp({ route: '/faq', user: adminUser });
    await screen.findByText('什么时候发货？');
    fireEvent.click(screen.getByTestId('faq-import'));
    const input = (await waitFor(() => document.querySelector('.ant-modal input[type="file"]'))) as HTMLInputElement;
    const file = new File(['标准问题,答案\n什么时候发货？,当天\n'], 'faq.csv', { type: '' });
    fireEvent.change(input, { target: { files: [file] } });
    expect(await screen.findByText('faq.csv')).toBeTruthy();
    const confirm = screen.getByTestId('faq-import-confirm');
    expect((confirm as HTMLButtonElement).disabled).toBe(true);

    fireEvent.click(screen.getByTestId('faq-import-check'));
    const report = await screen.findByTestId('faq-import-report');
    expect(within(report).getByText('检查结果（尚未导入）')).toBeTruthy();
    expect(within(report).getByText('新增 2')).toBeTruthy();
    expect(within(report).getByText('第 4 行')).toBeTruthy();
    expect(within(report).getByText('答案需为 1 到 4000 个字符')).toBeTruthy();
    const dry = calls.find((c) => c.path.startsWith('/api/faq/import'))!;
    expect(dry.path).toBe('/api/faq/import?mode=append&dryRun=true');
    const init = fetchInits.find((i) => i.method === 'POST')!;
    expect((init.headers as Record<string, string>)['Content-Type']).toBe('text/csv');
    expect(init.body).toBeInstanceOf(ArrayBuffer);

    // Errors present: confirming requires skipping them.
    expect((screen.getByTestId('faq-import-confirm') as HTMLButtonElement).disabled).toBe(true);
    fireEvent.click(screen.getByText('跳过有错误的行'));
    fireEvent.click(screen.getByText('替换（先删除该范围内的全部问答）'));
    fireEvent.click(screen.getByTestId('faq-import-check'));
    await waitFor(() => expect(calls.filter((c) => c.path.startsWith('/api/faq/import'))).toHaveLength(2));
    expect(calls.filter((c) => c.path.startsWith('/api/faq/import'))[1]!.path).toBe('/api/faq/import?mode=replace&dryRun=true&skipInvalid=true');
    await waitFor(() => expect((screen.getByTestId('faq-import-confirm') as HTMLButtonElement).disabled).toBe(false));
    fireEvent.click(screen.getByTestId('faq-import-confirm'));
    expect(await screen.findByText('导入完成')).toBeTruthy();
    expect(calls.filter((c) => c.path.startsWith('/api/faq/import'))[2]!.path).toBe('/api/faq/import?mode=replace&dryRun=false&skipInvalid=true');
    globalThis.fetch = original;
  });

  it('tests a question and shows the match, its score and suggestions', async () => {
    mockFetch([
      ...baseRoutes,
      { method: 'POST', path: '/api/faq/test', body: { entry: null, score: 0.21, matchedQuestion: null, threshold: 0.3, suggestions: [{ id: 'f-1', question: '什么时候发货？', score: 0.21 }] } },
    ]);
    renderApp({ route: '/faq', user: adminUser, lang: 'en' });
    await screen.findAllByText('什么时候发货？');
    const box = screen.getByTestId('faq-test-box');
    fireEvent.change(within(box).getByLabelText('Test a question'), { target: { value: '发货要几天' } });
    fireEvent.click(screen.getByTestId('faq-test-run'));
    const result = await screen.findByTestId('faq-test-result');
    expect(within(result).getByText('No entry reached the threshold')).toBeTruthy();
    expect(within(result).getByText('Did you mean')).toBeTruthy();
    expect(within(result).getByText('score 0.21')).toBeTruthy();
  });
});
