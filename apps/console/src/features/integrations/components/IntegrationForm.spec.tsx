import { act, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { checkFieldValue, type IntegrationView } from '@imbridge/contracts';
import { describe, expect, it, vi } from 'vitest';
import { LanguageSwitch } from '../../../i18n';
import { kitchenSinkDescriptor, wecomDescriptor, wecomIntegration } from '../../../test/fixtures';
import { renderWithProviders } from '../../../test/render';
import { IntegrationForm, type IntegrationSaveRequest } from './IntegrationForm';

const aesField = wecomDescriptor.fields.find((f) => f.name === 'encodingAesKey')!;
const tokenField = wecomDescriptor.fields.find((f) => f.name === 'token')!;

function renderForm(options: { lang?: 'zh' | 'en'; integration?: IntegrationView; descriptor?: typeof wecomDescriptor } = {}) {
  const save = vi.fn(async (_request: IntegrationSaveRequest) => wecomIntegration);
  const onSaved = vi.fn();
  const result = renderWithProviders(
    <>
      <LanguageSwitch />
      <IntegrationForm
        descriptor={options.descriptor ?? wecomDescriptor}
        integration={options.integration}
        save={save}
        onSaved={onSaved}
      />
    </>,
    { lang: options.lang ?? 'zh' },
  );
  return { ...result, save, onSaved };
}

const input = (label: string) => screen.getByLabelText(label) as HTMLInputElement;

describe('IntegrationForm (rendered from the platform descriptor)', () => {
  it('renders each field type with the matching control', () => {
    renderForm({ descriptor: kitchenSinkDescriptor });

    // string → text input, with the help text shown below it
    expect(input('企业 ID')).toHaveProperty('type', 'text');
    expect(screen.getByText('在“我的企业 → 企业信息”页面底部')).toBeTruthy();
    // number → spin button
    expect(input('应用 AgentId').getAttribute('role')).toBe('spinbutton');
    // url → text input pre-filled with the default
    expect(input('API 地址').value).toBe('https://qyapi.weixin.qq.com');
    expect(input('防重放时间窗（秒）').value).toBe('86400');
    // boolean → switch
    expect(screen.getByLabelText('加密回复').getAttribute('role')).toBe('switch');
    expect(screen.getByLabelText('加密回复').getAttribute('aria-checked')).toBe('true');
    // select → combobox showing the option label in the current language
    expect(screen.getByLabelText('区域').getAttribute('role')).toBe('combobox');
    expect(screen.getByText('中国大陆')).toBeTruthy();
    // advanced fields sit in a collapsed panel
    const header = screen.getByText('高级设置');
    expect(header.closest('[aria-expanded]')?.getAttribute('aria-expanded')).toBe('false');
  });

  it('marks secret fields as password inputs and offers Generate only where the descriptor asks', () => {
    renderForm();
    for (const label of ['应用 Secret', 'Token', 'EncodingAESKey']) expect(input(label).type).toBe('password');
    expect(input('企业 ID').type).toBe('text');
    expect(screen.getByTestId('generate-token')).toBeTruthy();
    expect(screen.getByTestId('generate-encodingAesKey')).toBeTruthy();
    expect(screen.queryByTestId('generate-secret')).toBeNull();
    expect(screen.getAllByRole('button', { name: /生成/ })).toHaveLength(2);
  });

  it('checks the EncodingAESKey format live, in Chinese and English', async () => {
    renderForm({ lang: 'zh' });
    const bad = 'a'.repeat(42);
    fireEvent.change(input('EncodingAESKey'), { target: { value: bad } });
    expect(await screen.findByText(checkFieldValue(aesField, bad)!.zh)).toBeTruthy();
    expect(screen.getByText('EncodingAESKey 应为 43 位英文字母或数字')).toBeTruthy();

    // Switching language re-renders the shown message.
    fireEvent.click(screen.getByText('English'));
    expect(await screen.findByText('EncodingAESKey is 43 letters or digits')).toBeTruthy();
    await waitFor(() => expect(screen.queryByText('EncodingAESKey 应为 43 位英文字母或数字')).toBeNull());

    // Fixing the value clears it.
    fireEvent.change(screen.getByLabelText('EncodingAESKey'), { target: { value: 'a'.repeat(43) } });
    await waitFor(() => expect(screen.queryByText('EncodingAESKey is 43 letters or digits')).toBeNull());
  });

  it('shows the English message when the console starts in English', async () => {
    renderForm({ lang: 'en' });
    fireEvent.change(input('EncodingAESKey'), { target: { value: 'x'.repeat(42) } });
    expect(await screen.findByText('EncodingAESKey is 43 letters or digits')).toBeTruthy();
    fireEvent.change(input('Corp ID'), { target: { value: 'ww123' } });
    expect(await screen.findByText('Corp ID is 18 characters starting with ww or wx')).toBeTruthy();
  });

  it('fills Token and EncodingAESKey with values that pass the checks', async () => {
    renderForm();
    fireEvent.click(screen.getByTestId('generate-token'));
    fireEvent.click(screen.getByTestId('generate-encodingAesKey'));
    await waitFor(() => expect(input('Token').value).toHaveLength(32));
    const token = input('Token').value;
    const aes = input('EncodingAESKey').value;
    expect(aes).toHaveLength(43);
    expect(token).toMatch(/^[A-Za-z0-9]+$/);
    expect(checkFieldValue(tokenField, token)).toBeNull();
    expect(checkFieldValue(aesField, aes)).toBeNull();
    // Nothing complains about either field.
    await act(async () => undefined);
    expect(screen.queryByText(/Token 应为/)).toBeNull();
    expect(screen.queryByText(/EncodingAESKey 应为/)).toBeNull();
  });

  it('submits a create request with every filled field', async () => {
    const { save, onSaved } = renderForm();
    fireEvent.change(input('名称'), { target: { value: '客服号 - 华东' } });
    fireEvent.change(input('企业 ID'), { target: { value: 'ww0123456789abcdef' } });
    fireEvent.change(input('应用 AgentId'), { target: { value: '1000002' } });
    fireEvent.change(input('应用 Secret'), { target: { value: 'S'.repeat(43) } });
    fireEvent.change(input('Token'), { target: { value: 'Tok3n' } });
    fireEvent.change(input('EncodingAESKey'), { target: { value: 'K'.repeat(43) } });
    fireEvent.click(screen.getByRole('button', { name: /创\s*建/ }));

    await waitFor(() => expect(save).toHaveBeenCalledTimes(1));
    expect(save.mock.calls[0][0]).toEqual({
      kind: 'create',
      body: {
        platform: 'wecom',
        name: '客服号 - 华东',
        enabled: true,
        config: {
          corpId: 'ww0123456789abcdef',
          agentId: 1000002,
          secret: 'S'.repeat(43),
          token: 'Tok3n',
          encodingAesKey: 'K'.repeat(43),
          apiBaseUrl: 'https://qyapi.weixin.qq.com',
          replayToleranceSeconds: 86400,
        },
      },
    });
    await waitFor(() => expect(onSaved).toHaveBeenCalledWith(wecomIntegration));
  });

  it('does not submit while required fields are missing', async () => {
    const { save } = renderForm();
    fireEvent.click(screen.getByRole('button', { name: /创\s*建/ }));
    expect(await screen.findByText('请输入名称')).toBeTruthy();
    expect(await screen.findByText('企业 ID不能为空')).toBeTruthy();
    expect(save).not.toHaveBeenCalled();
  });

  it('on edit shows stored secrets masked and omits the ones left unchanged', async () => {
    const { save } = renderForm({ integration: wecomIntegration });
    expect(screen.getByTestId('secret-status-secret').textContent).toContain('已设置 ••••Ab9_');
    expect(screen.getByTestId('secret-status-encodingAesKey').textContent).toContain('已设置 ••••Q2w3');
    expect(screen.getByTestId('secret-status-token').textContent).toMatch(/更新于 2025/);
    expect(input('企业 ID').value).toBe('ww0123456789abcdef');

    // Replace only the Token.
    fireEvent.click(screen.getByTestId('replace-token'));
    const tokenInput = input('Token');
    expect(tokenInput.type).toBe('password');
    expect(tokenInput.placeholder).toBe('留空则保持不变');
    fireEvent.change(tokenInput, { target: { value: 'NewToken42' } });
    // Open the EncodingAESKey input but leave it empty: still "unchanged".
    fireEvent.click(screen.getByTestId('replace-encodingAesKey'));

    fireEvent.click(screen.getByRole('button', { name: /保存修改/ }));
    await waitFor(() => expect(save).toHaveBeenCalledTimes(1));
    const request = save.mock.calls[0][0];
    expect(request.kind).toBe('update');
    if (request.kind !== 'update') throw new Error('expected update');
    expect(request.id).toBe('int-1');
    expect(request.body).toEqual({
      name: '客服号 - 华东',
      enabled: true,
      config: {
        corpId: 'ww0123456789abcdef',
        agentId: 1000002,
        token: 'NewToken42',
        apiBaseUrl: 'https://qyapi.weixin.qq.com',
        replayToleranceSeconds: 86400,
      },
    });
    expect(request.body.config).not.toHaveProperty('secret');
    expect(request.body.config).not.toHaveProperty('encodingAesKey');
  });

  it('shows server validation errors on the matching fields, in the current language', async () => {
    const { ApiError } = await import('../../../api/client');
    const save = vi.fn(async () => {
      throw new ApiError({
        statusCode: 400,
        code: 'VALIDATION_FAILED',
        message: 'Validation failed',
        messageZh: '校验失败',
        details: [
          { field: 'corpId', message: { zh: '企业 ID 与 Secret 不匹配', en: 'Corp ID does not match the Secret' } },
          { field: 'config.replayToleranceSeconds', message: { zh: '时间窗太短', en: 'Window too short' } },
          { field: 'name', message: { zh: '名称已被使用', en: 'Name already in use' } },
          { field: 'somethingElse', message: { zh: '其他问题', en: 'Another problem' } },
        ],
      });
    });
    renderWithProviders(
      <>
        <LanguageSwitch />
        <IntegrationForm descriptor={wecomDescriptor} integration={wecomIntegration} save={save} onSaved={vi.fn()} />
      </>,
    );
    fireEvent.click(screen.getByRole('button', { name: /保存修改/ }));

    expect(await screen.findByText('企业 ID 与 Secret 不匹配')).toBeTruthy();
    expect(await screen.findByText('名称已被使用')).toBeTruthy();
    expect(await screen.findByText('时间窗太短')).toBeTruthy();
    expect(screen.getByText('其他问题')).toBeTruthy();
    expect(screen.getByText('请先修正标出的字段')).toBeTruthy();
    // The advanced panel opened because one of its fields has a problem.
    expect(screen.getByText('高级设置').closest('[aria-expanded]')?.getAttribute('aria-expanded')).toBe('true');

    fireEvent.click(screen.getByText('English'));
    expect(await screen.findByText('Corp ID does not match the Secret')).toBeTruthy();

    // Editing the field clears the server's complaint.
    const corp = screen.getByLabelText('Corp ID');
    fireEvent.change(corp, { target: { value: 'ww0123456789abcdee' } });
    await waitFor(() => expect(screen.queryByText('Corp ID does not match the Secret')).toBeNull());
    const nameItem = screen.getByLabelText('Name').closest('.ant-form-item') as HTMLElement;
    expect(within(nameItem).getByText('Name already in use')).toBeTruthy();
  });
});

describe('IntegrationForm: the send budget', () => {
  it('shows the default as placeholder and help, in both languages, and saves a budget typed in', async () => {
    const { save } = renderForm({ integration: { ...wecomIntegration, defaultSendRatePerSecond: 100 } });
    const field = input('发送速率上限（条/秒）');
    expect(field.value).toBe('');
    expect(field.placeholder).toBe('100');
    expect(screen.getByText(/留空则使用默认值 100 条\/秒/)).toBeTruthy();

    fireEvent.change(field, { target: { value: '40' } });
    fireEvent.click(screen.getByRole('button', { name: /保存修改/ }));
    await waitFor(() => expect(save).toHaveBeenCalledTimes(1));
    const request = save.mock.calls[0][0];
    if (request.kind !== 'update') throw new Error('expected update');
    expect(request.body.sendRatePerSecond).toBe(40);

    fireEvent.click(screen.getByText('English'));
    expect(await screen.findByLabelText('Send budget (messages per second)')).toBeTruthy();
    expect(screen.getByText(/Leave empty for the default, 100 per second/)).toBeTruthy();
  });

  it('sends null when a set budget is emptied (back to the default)', async () => {
    const { save } = renderForm({ integration: { ...wecomIntegration, sendRatePerSecond: 40 } });
    const field = input('发送速率上限（条/秒）');
    expect(field.value).toBe('40');
    fireEvent.change(field, { target: { value: '' } });
    fireEvent.click(screen.getByRole('button', { name: /保存修改/ }));
    await waitFor(() => expect(save).toHaveBeenCalledTimes(1));
    const request = save.mock.calls[0][0];
    if (request.kind !== 'update') throw new Error('expected update');
    expect(request.body.sendRatePerSecond).toBeNull();
  });

  it("takes the platform's default as placeholder when creating, and sends the budget with the new integration", async () => {
    const { save } = renderForm({ descriptor: { ...wecomDescriptor, defaultSendRatePerSecond: 50 } });
    expect(input('发送速率上限（条/秒）').placeholder).toBe('50');
    fireEvent.change(input('名称'), { target: { value: '客服号' } });
    fireEvent.change(input('企业 ID'), { target: { value: 'ww0123456789abcdef' } });
    fireEvent.change(input('应用 AgentId'), { target: { value: '1000002' } });
    fireEvent.change(input('应用 Secret'), { target: { value: 'S'.repeat(43) } });
    fireEvent.change(input('Token'), { target: { value: 'Tok3n' } });
    fireEvent.change(input('EncodingAESKey'), { target: { value: 'K'.repeat(43) } });
    fireEvent.change(input('发送速率上限（条/秒）'), { target: { value: '20' } });
    fireEvent.click(screen.getByRole('button', { name: /创\s*建/ }));
    await waitFor(() => expect(save).toHaveBeenCalledTimes(1));
    const request = save.mock.calls[0][0];
    if (request.kind !== 'create') throw new Error('expected create');
    expect(request.body.sendRatePerSecond).toBe(20);
  });

  it("shows the server's refusal on the field", async () => {
    const { ApiError } = await import('../../../api/client');
    const message = 'sendRatePerSecond must be a whole number of messages per second, 1..10000, or null for the default / 发送速率上限须为 1 到 10000 之间的整数（条/秒），留空（null）则使用默认值';
    const save = vi.fn(async () => {
      throw new ApiError({
        statusCode: 400,
        code: 'VALIDATION_FAILED',
        message: 'Validation failed',
        messageZh: '请求参数有误',
        details: [{ field: 'sendRatePerSecond', message: { zh: message, en: message } }],
      });
    });
    renderWithProviders(<IntegrationForm descriptor={wecomDescriptor} integration={{ ...wecomIntegration, sendRatePerSecond: 40 }} save={save} onSaved={vi.fn()} />);
    fireEvent.change(input('发送速率上限（条/秒）'), { target: { value: '41' } });
    fireEvent.click(screen.getByRole('button', { name: /保存修改/ }));
    const item = (await screen.findByText(message)).closest('.ant-form-item') as HTMLElement;
    expect(within(item).getByLabelText('发送速率上限（条/秒）')).toBeTruthy();
    expect(screen.getByText('请先修正标出的字段')).toBeTruthy();
  });
});
