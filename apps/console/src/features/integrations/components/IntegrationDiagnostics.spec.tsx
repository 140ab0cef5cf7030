import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { adminUser, wecomDescriptor, wecomIntegration } from '../../../test/fixtures';
import { mockFetch, renderApp } from '../../../test/render';
import type { CallbackLog } from '../api/integrationsApi';
import { checkVerificationFile } from '../utils/verificationFile';

const setupOrder = {
  zh: ['先在 imbridge 保存集成', '再到企业微信后台填写 URL、Token、EncodingAESKey'],
  en: ['Save the integration in imbridge first', 'Then enter the URL, Token and EncodingAESKey in WeCom'],
};

const failingLog: CallbackLog = {
  records: [
    {
      at: '2025-05-01T08:00:00.000Z',
      method: 'POST',
      outcome: 'rejected',
      detail: 'msg_signature mismatch',
      count: 3,
      cause: { zh: 'Token 与企业微信后台不一致', en: 'The Token differs from the one in WeCom' },
    },
    {
      at: '2025-05-01T07:59:00.000Z',
      method: 'GET',
      outcome: 'error',
      detail: 'decrypt failed',
      cause: { zh: 'EncodingAESKey 与企业微信后台不一致', en: 'The EncodingAESKey differs from the one in WeCom' },
    },
    { at: '2025-05-01T07:58:00.000Z', method: 'GET', outcome: 'verified', detail: 'echostr ok' },
  ],
  summary: {
    lastReceivedAt: '2025-05-01T08:00:00.000Z',
    lastSuccessAt: '2025-05-01T07:58:00.000Z',
    lastFailure: { at: '2025-05-01T08:00:00.000Z', detail: 'msg_signature mismatch', cause: { zh: 'Token 与企业微信后台不一致', en: 'The Token differs from the one in WeCom' } },
    neverReached: false,
  },
  setupOrder,
};

const emptyLog: CallbackLog = {
  records: [],
  summary: { lastReceivedAt: null, lastSuccessAt: null, lastFailure: null, neverReached: true },
  setupOrder,
};

const editRoutes = (log: CallbackLog, integration = wecomIntegration) => [
  { path: '/api/platforms', body: [wecomDescriptor] },
  { path: '/api/integrations/int-1', body: integration },
  { path: '/api/integrations/int-1/callbacks', body: log },
];

describe('integration diagnostics', () => {
  it('test connection shows the platform code and the advice in the current language', async () => {
    const { calls } = mockFetch([
      ...editRoutes(emptyLog),
      {
        method: 'POST',
        path: '/api/integrations/int-1/test',
        body: {
          ok: false,
          platformCode: 60020,
          message: 'not allow to access from your ip, from ip: 203.0.113.7',
          advice: {
            zh: '本服务器的出口 IP 203.0.113.7 不在企业可信 IP 中，请到应用设置里添加。',
            en: "This server's egress IP 203.0.113.7 is not in the app's trusted IPs; add it in the app settings.",
          },
          checkedAt: '2025-05-01T08:00:00.000Z',
        },
      },
    ]);
    renderApp({ route: '/integrations/int-1', user: adminUser });
    fireEvent.click(await screen.findByTestId('test-connection'));
    const result = await screen.findByTestId('connection-result');
    expect(result.textContent).toContain('连接失败');
    expect(result.textContent).toContain('平台错误码 60020');
    expect(result.textContent).toContain('本服务器的出口 IP 203.0.113.7 不在企业可信 IP 中');
    expect(calls.some((c) => c.method === 'POST' && c.path === '/api/integrations/int-1/test')).toBe(true);

    fireEvent.click(screen.getByText('English'));
    await waitFor(() => expect(screen.getByTestId('connection-result').textContent).toContain("This server's egress IP 203.0.113.7"));
    expect(screen.getByTestId('connection-result').textContent).toContain('Platform code 60020');
  });

  it('test connection success', async () => {
    mockFetch([
      ...editRoutes(emptyLog),
      { method: 'POST', path: '/api/integrations/int-1/test', body: { ok: true, checkedAt: '2025-05-01T08:00:00.000Z' } },
    ]);
    renderApp({ route: '/integrations/int-1', user: adminUser, lang: 'en' });
    fireEvent.click(await screen.findByTestId('test-connection'));
    expect((await screen.findByTestId('connection-result')).textContent).toContain('Connection works');
  });

  it('shows the last error with its code prominently', async () => {
    mockFetch(
      editRoutes(emptyLog, {
        ...wecomIntegration,
        lastError: { code: '48001', message: 'api forbidden', at: '2025-05-01T08:00:00.000Z' },
      }),
    );
    renderApp({ route: '/integrations/int-1', user: adminUser });
    const banner = await screen.findByTestId('last-error-banner');
    expect(within(banner).getByText('48001')).toBeTruthy();
    expect(banner.textContent).toContain('api forbidden');
  });

  it('callback log: outcomes, ×count, likely causes and the summary', async () => {
    mockFetch(editRoutes(failingLog));
    renderApp({ route: '/integrations/int-1', user: adminUser });
    expect(await screen.findByText('msg_signature mismatch')).toBeTruthy();
    const rejected = screen.getByText('msg_signature mismatch').closest('tr') as HTMLElement;
    expect(within(rejected).getByText('已拒绝')).toBeTruthy();
    expect(within(rejected).getByText('×3')).toBeTruthy();
    expect(within(rejected).getByTestId('callback-cause').textContent).toContain('Token 与企业微信后台不一致');
    const decrypt = screen.getByText('decrypt failed').closest('tr') as HTMLElement;
    expect(within(decrypt).getByTestId('callback-cause').textContent).toContain('EncodingAESKey 与企业微信后台不一致');
    expect(within(screen.getByText('echostr ok').closest('tr') as HTMLElement).getByText('URL 验证通过')).toBeTruthy();
    const summary = screen.getByTestId('callback-summary');
    expect(summary.textContent).toContain('最近失败');
    expect(summary.textContent).toContain('Token 与企业微信后台不一致');
    expect(screen.queryByTestId('never-reached')).toBeNull();
  });

  it('callback log: warns when the platform never reached us, with what to check and the setup order', async () => {
    const { calls } = mockFetch(editRoutes(emptyLog));
    renderApp({ route: '/integrations/int-1', user: adminUser, lang: 'en' });
    const warning = await screen.findByTestId('never-reached');
    expect(warning.textContent).toContain('The platform has never reached this callback URL');
    expect(warning.textContent).toContain('https://imbridge.example.com/callbacks/wecom/int-1');
    expect(warning.textContent).toContain('HTTPS certificate');
    expect(warning.textContent).toContain('Save the integration in imbridge first');
    expect(screen.getByTestId('callback-summary').textContent).toContain('Last received: never');

    const before = calls.filter((c) => c.path.endsWith('/callbacks')).length;
    fireEvent.click(screen.getByRole('button', { name: /Refresh/ }));
    await waitFor(() => expect(calls.filter((c) => c.path.endsWith('/callbacks')).length).toBe(before + 1));
  });
});

describe('domain verification files', () => {
  it('checks the file name and size', () => {
    expect(checkVerificationFile('WW_verify_AbC123.txt', 16)).toBeNull();
    expect(checkVerificationFile('MP_verify_x.txt', 16)).toBeNull();
    expect(checkVerificationFile('WW_verify_.txt', 16)).toBe('name');
    expect(checkVerificationFile('WW_verify_abc.txt.exe', 16)).toBe('name');
    expect(checkVerificationFile('ww_verify_abc.txt', 16)).toBe('name');
    expect(checkVerificationFile('WW_verify_a-b.txt', 16)).toBe('name');
    expect(checkVerificationFile('../WW_verify_abc.txt', 16)).toBe('name');
    expect(checkVerificationFile(`WW_verify_${'a'.repeat(65)}.txt`, 16)).toBe('name');
    expect(checkVerificationFile(`WW_verify_${'a'.repeat(64)}.txt`, 16)).toBeNull();
    expect(checkVerificationFile('WW_verify_abc.txt', 1025)).toBe('size');
    expect(checkVerificationFile('WW_verify_abc.txt', 0)).toBe('empty');
  });

  it('lists files with their public URL, rejects a bad name, uploads a good one and deletes', async () => {
    const files = [{ fileName: 'WW_verify_old1.txt', size: 16, createdAt: '2025-05-01T00:00:00.000Z' }];
    const { calls } = mockFetch([
      { path: '/api/platforms', body: [wecomDescriptor] },
      { path: '/api/integrations', body: [wecomIntegration] },
      { path: '/api/verification-files', body: files },
      { method: 'POST', path: '/api/verification-files', status: 201, body: { fileName: 'WW_verify_Ab12.txt', size: 16, createdAt: '2025-05-02T00:00:00.000Z' } },
      { method: 'DELETE', path: '/api/verification-files/WW_verify_old1.txt', status: 204 },
    ]);
    renderApp({ route: '/integrations', user: adminUser });
    const url = `${window.location.origin}/WW_verify_old1.txt`;
    const row = (await screen.findByText(url)).closest('tr') as HTMLElement;
    expect(within(row).getByRole('button', { name: /复制/ })).toBeTruthy();

    const input = screen.getByTestId('verification-file-input');
    fireEvent.change(input, { target: { files: [new File(['x'], 'verify.txt', { type: 'text/plain' })] } });
    expect((await screen.findByTestId('vf-problem')).textContent).toContain('文件名“verify.txt”不符合要求');
    expect(calls.some((c) => c.method === 'POST')).toBe(false);

    fireEvent.change(input, { target: { files: [new File(['wwVerifyContent1'], 'WW_verify_Ab12.txt', { type: 'text/plain' })] } });
    await waitFor(() => expect(calls.some((c) => c.method === 'POST')).toBe(true));
    expect(calls.find((c) => c.method === 'POST')!.body).toEqual({ fileName: 'WW_verify_Ab12.txt', content: 'wwVerifyContent1' });

    fireEvent.click(within(row).getByText('删除').closest('button') as HTMLElement);
    const popover = (await screen.findByText('删除验证文件“WW_verify_old1.txt”？')).closest('.ant-popover') as HTMLElement;
    fireEvent.click(within(popover).getByRole('button', { name: /删\s*除/ }));
    await waitFor(() => expect(calls.some((c) => c.method === 'DELETE' && c.path === '/api/verification-files/WW_verify_old1.txt')).toBe(true));
  });
});
