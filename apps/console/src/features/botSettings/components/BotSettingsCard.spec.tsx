import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { BotSettingsView } from '@imbridge/contracts';
import { adminUser, wecomDescriptor, wecomIntegration } from '../../../test/fixtures';
import { mockFetch, renderApp, renderWithProviders } from '../../../test/render';
import { BotSettingsCard } from './BotSettingsCard';

const settings: BotSettingsView = {
  integrationId: 'int-1',
  steps: [
    { step: 'keyword', enabled: true },
    { step: 'faq', enabled: true },
    { step: 'app', enabled: true },
  ],
  faqThreshold: 0.3,
  faqSuggestions: true,
  fallbackText: '抱歉，我暂时无法回答这个问题。',
  handoffAfterFailures: 3,
  handoffKeywords: ['人工', '客服'],
  autoAssign: true,
  externalApp: { kind: 'openai', url: 'https://llm.example.com/v1', model: 'qa-1', historyMessages: 10, timeoutMs: 15000, stream: true },
  appSecret: { set: true, last4: '1234' },
  updatedAt: '2026-01-01T00:00:00.000Z',
};

const path = '/api/integrations/int-1/bot';

const stepOrder = () => Array.from(screen.getByTestId('bot-steps').querySelectorAll('li')).map((li) => li.getAttribute('data-step'));

describe('BotSettingsCard', () => {
  it('shows the saved settings with the secret masked, and saves the edited steps, fallback, marker and a new key', async () => {
    const { calls } = mockFetch([
      { path, body: settings },
      { method: 'PUT', path, body: { ...settings, steps: [settings.steps[2], settings.steps[0], { step: 'faq', enabled: false }], appSecret: { set: true, last4: 'WXYZ' } } },
    ]);
    renderWithProviders(<BotSettingsCard integrationId="int-1" />);

    expect(await screen.findByTestId('bot-secret-status')).toHaveProperty('textContent', '已设置 ••••1234');
    expect(screen.getByLabelText('API Key')).toHaveProperty('value', ''); // write-only: never filled in
    expect(stepOrder()).toEqual(['keyword', 'faq', 'app']);

    fireEvent.click(screen.getByRole('switch', { name: '启用FAQ 知识库' }));
    fireEvent.click(screen.getByRole('button', { name: '上移外部应用' }));
    fireEvent.click(screen.getByRole('button', { name: '上移外部应用' }));
    expect(stepOrder()).toEqual(['app', 'keyword', 'faq']);
    expect(screen.getByRole('button', { name: '上移外部应用' })).toHaveProperty('disabled', true);

    fireEvent.change(screen.getByLabelText('API Key'), { target: { value: 'sk-new-key-abcdWXYZ' } });
    fireEvent.change(screen.getByLabelText('兜底回复'), { target: { value: '' } });
    fireEvent.change(screen.getByLabelText('转人工标记'), { target: { value: '[[HUMAN]]' } });
    fireEvent.click(screen.getByTestId('bot-save'));

    await waitFor(() => expect(calls.some((c) => c.method === 'PUT')).toBe(true));
    expect(calls.find((c) => c.method === 'PUT')!.body).toEqual({
      steps: [
        { step: 'app', enabled: true },
        { step: 'keyword', enabled: true },
        { step: 'faq', enabled: false },
      ],
      faqThreshold: 0.3,
      faqSuggestions: true,
      fallbackText: null,
      handoffAfterFailures: 3,
      handoffKeywords: ['人工', '客服'],
      autoAssign: true,
      externalApp: { kind: 'openai', url: 'https://llm.example.com/v1', model: 'qa-1', historyMessages: 10, timeoutMs: 15000, stream: true, handoffMarker: '[[HUMAN]]' },
      appSecret: 'sk-new-key-abcdWXYZ',
    });
    await waitFor(() => expect(screen.getByTestId('bot-secret-status').textContent).toBe('已设置 ••••WXYZ'));
    expect(screen.getByLabelText('API Key')).toHaveProperty('value', '');
  });

  it('switches to a webhook, clears the stored secret, and shows the server’s field errors', async () => {
    const { calls } = mockFetch([
      { path, body: settings },
      {
        method: 'PUT',
        path,
        status: 400,
        body: {
          statusCode: 400,
          code: 'VALIDATION_FAILED',
          message: 'externalApp.url: URL not allowed',
          messageZh: 'externalApp.url：不允许的地址',
          details: [{ field: 'externalApp.url', message: { zh: '不允许的地址：内网地址', en: 'URL not allowed: private address' } }],
        },
      },
    ]);
    renderWithProviders(<BotSettingsCard integrationId="int-1" />);
    await screen.findByTestId('bot-secret-status');

    fireEvent.click(screen.getByRole('radio', { name: 'Webhook' }));
    fireEvent.change(screen.getByLabelText('接口地址'), { target: { value: 'http://10.0.0.5/hook' } });
    fireEvent.click(screen.getByRole('button', { name: /^清\s*除$/ }));
    expect(screen.getByTestId('bot-secret-status').textContent).toBe('保存后将清除');
    expect(screen.queryByLabelText('模型 / 应用 ID')).toBeNull();
    fireEvent.click(screen.getByTestId('bot-save'));

    const error = await screen.findByTestId('bot-save-error');
    expect(within(error).getByText('externalApp.url：不允许的地址')).toBeTruthy();
    expect(within(error).getByText('externalApp.url: 不允许的地址：内网地址')).toBeTruthy();
    const put = calls.find((c) => c.method === 'PUT')!.body as Record<string, unknown>;
    expect(put['externalApp']).toEqual({ kind: 'webhook', url: 'http://10.0.0.5/hook', historyMessages: 10, timeoutMs: 15000, stream: false });
    expect(put['clearAppSecret']).toBe(true);
    expect(put).not.toHaveProperty('appSecret');
  });

  it('saves "none" as externalApp null', async () => {
    const { calls } = mockFetch([
      { path, body: settings },
      { method: 'PUT', path, body: { ...settings, externalApp: null } },
    ]);
    renderWithProviders(<BotSettingsCard integrationId="int-1" />);
    await screen.findByTestId('bot-secret-status');
    fireEvent.click(screen.getByRole('radio', { name: '不使用' }));
    expect(screen.queryByTestId('bot-app-fields')).toBeNull();
    fireEvent.click(screen.getByTestId('bot-save'));
    await waitFor(() => expect(calls.some((c) => c.method === 'PUT')).toBe(true));
    expect((calls.find((c) => c.method === 'PUT')!.body as Record<string, unknown>)['externalApp']).toBeNull();
  });

  it('tries a message: which step answered, the messages as plain text, and why the app did not answer', async () => {
    const { calls } = mockFetch([
      { path, body: settings },
      {
        method: 'POST',
        path: `${path}/test`,
        body: {
          answeredBy: 'fallback',
          messages: [{ type: 'text', text: '<b>抱歉</b>，我暂时无法回答。' }],
          error: { code: 'APP_TIMEOUT', message: 'no complete answer within 15000 ms', messageZh: '外部应用在 15000 毫秒内未完成回答' },
          ms: 15012,
        },
      },
    ]);
    renderWithProviders(<BotSettingsCard integrationId="int-1" />);
    await screen.findByTestId('bot-secret-status');
    fireEvent.change(screen.getByLabelText('试一试'), { target: { value: '你们几点下班' } });
    fireEvent.click(screen.getByTestId('bot-test-run'));

    const result = await screen.findByTestId('bot-test-result');
    expect(within(result).getByTestId('bot-test-answered-by').textContent).toBe('兜底回复');
    expect(within(result).getByText('<b>抱歉</b>，我暂时无法回答。')).toBeTruthy(); // inert text, not HTML
    expect(result.querySelector('b')).toBeNull();
    expect(within(result).getByText('外部应用未回答：外部应用在 15000 毫秒内未完成回答')).toBeTruthy();
    expect(calls.find((c) => c.method === 'POST')!.body).toEqual({ text: '你们几点下班' });
  });

  it('renders in English', async () => {
    mockFetch([{ path, body: { ...settings, appSecret: { set: false, last4: null } } }]);
    renderWithProviders(<BotSettingsCard integrationId="int-1" />, { lang: 'en' });
    expect(await screen.findByText('Bot settings')).toBeTruthy();
    // The card title renders before the settings load; wait for the loaded form.
    expect((await screen.findByTestId('bot-secret-status')).textContent).toBe('Not set');
    expect(screen.getByRole('switch', { name: 'Enable External app' })).toBeTruthy();
  });

  it('appears on the edit page of a saved integration, not on a new one', async () => {
    mockFetch([
      { path: '/api/platforms', body: [wecomDescriptor] },
      { path: '/api/integrations/int-1', body: wecomIntegration },
      { path: '/api/integrations/int-1/callbacks', body: { records: [], summary: { lastReceivedAt: null, lastSuccessAt: null, lastFailure: null, neverReached: true }, setupOrder: { zh: [], en: [] } } },
      { path, body: settings },
    ]);
    const saved = renderApp({ route: '/integrations/int-1', user: adminUser });
    expect(await screen.findByTestId('bot-settings-card')).toBeTruthy();
    saved.unmount();
    renderApp({ route: '/integrations/new?platform=wecom', user: adminUser });
    await screen.findAllByText(wecomDescriptor.name.zh);
    expect(screen.queryByTestId('bot-settings-card')).toBeNull();
  });
});
