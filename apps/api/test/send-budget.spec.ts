import type { IntegrationView, MessageView, PlatformDescriptor } from '@imbridge/contracts';
import { startPlatformSim, type PlatformSim } from '@imbridge/platform-sim';
import { expectEventually } from '@imbridge/testing';
import type { DataSource } from 'typeorm';
import { type ErrorBody, FAST, openDataSource } from './helpers';
import { newSimCorp, openSimConversation } from './sim-corp';
import { startTestApp, type TestApp } from './test-app';

/**
 * An integration's send budget: set through the integrations API (validated, audited, shown with the
 * default that applies without one), and obeyed by every worker process as soon as it changes.
 */

jest.setTimeout(90_000);

let sim: PlatformSim;
beforeAll(async () => {
  sim = await startPlatformSim();
});
afterAll(async () => {
  await sim?.close();
});

describe('the send budget through the integrations API', () => {
  let app: TestApp;
  let ds: DataSource;
  beforeAll(async () => {
    // No IMBRIDGE_SEND_RATE_PER_SECOND: an integration without a budget gets its platform's default.
    app = await startTestApp({ IMBRIDGE_RETRY_BASE_MS: '50' });
    ds = await openDataSource(app);
  });
  afterAll(async () => {
    await ds?.destroy();
    await app?.close();
  });

  it('every platform declares a default budget', async () => {
    const res = await app.api<PlatformDescriptor[]>('GET', '/api/platforms', undefined, app.adminToken);
    expect(res.status).toBe(200);
    const defaults = Object.fromEntries(res.body.map((d) => [d.id, d.defaultSendRatePerSecond]));
    expect(defaults).toEqual({ wecom: 100, 'wecom-kf': 100, mp: 50 });
  });

  it('is null (the platform default) until set; set, kept when left out, back to the default with null; audited', async () => {
    const corp = await newSimCorp(app, sim, { name: 'budget' });
    const path = `/api/integrations/${corp.integrationId}`;
    const view = async () => (await app.api<IntegrationView>('GET', path, undefined, app.adminToken)).body;
    expect(await view()).toMatchObject({ sendRatePerSecond: null, defaultSendRatePerSecond: 100 });

    const set = await app.api<IntegrationView>('PUT', path, { sendRatePerSecond: 40 }, app.adminToken);
    expect(set.status).toBe(200);
    expect(set.body).toMatchObject({ sendRatePerSecond: 40, defaultSendRatePerSecond: 100 });
    expect((await app.api<IntegrationView>('PUT', path, { name: 'renamed' }, app.adminToken)).body.sendRatePerSecond).toBe(40);
    expect((await app.api<IntegrationView[]>('GET', '/api/integrations', undefined, app.adminToken)).body.find((i) => i.id === corp.integrationId)?.sendRatePerSecond).toBe(40);
    expect((await app.api<IntegrationView>('PUT', path, { sendRatePerSecond: null }, app.adminToken)).body).toMatchObject({ sendRatePerSecond: null, defaultSendRatePerSecond: 100 });

    const audit: { details: Record<string, unknown> }[] = await ds.query(
      `SELECT details FROM audit_log WHERE target_id = $1 AND action = 'integration.update' ORDER BY id`,
      [corp.integrationId],
    );
    expect(audit.map((a) => a.details['sendRatePerSecond'] ?? 'unchanged')).toEqual([{ from: null, to: 40 }, 'unchanged', { from: 40, to: null }]);
  });

  it('refuses what is not a whole number 1..10000, in both languages, and changes nothing', async () => {
    const corp = await newSimCorp(app, sim, { name: 'budget-bad' });
    const path = `/api/integrations/${corp.integrationId}`;
    expect((await app.api('PUT', path, { sendRatePerSecond: 30 }, app.adminToken)).status).toBe(200);
    for (const bad of [0, -5, 10_001, 2.5, '20', true, {}]) {
      const res = await app.api<ErrorBody>('PUT', path, { sendRatePerSecond: bad }, app.adminToken);
      expect({ bad, status: res.status, code: res.body.code }).toEqual({ bad, status: 400, code: 'VALIDATION_FAILED' });
      const detail = res.body.details?.find((d) => d.field === 'sendRatePerSecond');
      expect(detail?.message.en).toContain('sendRatePerSecond must be a whole number of messages per second, 1..10000');
      expect(detail?.message.zh).toContain('发送速率上限须为 1 到 10000 之间的整数');
    }
    expect((await app.api<IntegrationView>('GET', path, undefined, app.adminToken)).body.sendRatePerSecond).toBe(30);
  });

  it('can be given when the integration is created', async () => {
    const config = { corpId: 'ww00000000000000b1', agentId: 1000002, secret: 'S'.repeat(43), token: 'Tok3nForTests', encodingAesKey: 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG', apiBaseUrl: sim.url };
    const created = await app.api<IntegrationView>('POST', '/api/integrations', { platform: 'wecom', name: 'with budget', config, sendRatePerSecond: 25 }, app.adminToken);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ sendRatePerSecond: 25, defaultSendRatePerSecond: 100 });
    const refused = await app.api<ErrorBody>('POST', '/api/integrations', { platform: 'wecom', name: 'bad budget', config, sendRatePerSecond: 0 }, app.adminToken);
    expect(refused.status).toBe(400);
  });
});

describe('the operator-wide budget (IMBRIDGE_SEND_RATE_PER_SECOND)', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ IMBRIDGE_SEND_RATE_PER_SECOND: '7' });
  });
  afterAll(async () => {
    await app?.close();
  });

  it("replaces the platform's default for integrations without a budget of their own", async () => {
    const corp = await newSimCorp(app, sim, { name: 'operator' });
    const res = await app.api<IntegrationView>('GET', `/api/integrations/${corp.integrationId}`, undefined, app.adminToken);
    expect(res.body).toMatchObject({ sendRatePerSecond: null, defaultSendRatePerSecond: 7 });
  });
});

describe('a budget change reaches the worker processes at once', () => {
  let api: TestApp;
  let worker: TestApp;
  beforeAll(async () => {
    api = await startTestApp({ ...FAST, IMBRIDGE_ROLE: 'api' });
    worker = await startTestApp({ ...FAST, IMBRIDGE_ROLE: 'worker' }, { databaseUrl: api.databaseUrl, env: api.env });
  });
  afterAll(async () => {
    await worker?.close();
    await api?.close();
  });

  it('a worker sending at 2/s sends at the new budget within moments of the change made through another process', async () => {
    const corp = await newSimCorp(api, sim, { name: 'live-budget' });
    const path = `/api/integrations/${corp.integrationId}`;
    expect((await api.api('PUT', path, { sendRatePerSecond: 2 }, api.adminToken)).status).toBe(200);
    const conv = await openSimConversation(api, sim, corp, 'budget-user');
    const posted: MessageView[] = [];
    for (let i = 0; i < 16; i++) posted.push((await api.api<MessageView>('POST', `/api/conversations/${conv.id}/messages`, { type: 'text', text: `预算 ${i}` }, api.adminToken)).body);
    const delivered = () => sim.wecom.sentMessages(corp.corpId);
    await expectEventually(() => expect(delivered().length).toBeGreaterThanOrEqual(3), { timeoutMs: 10_000 });
    const slow = delivered().map((m) => m.arrivedAt!);
    // At 2/s (each grant 515 ms after the last).
    for (let i = 1; i < slow.length; i++) expect(slow[i]! - slow[i - 1]!).toBeGreaterThanOrEqual(500);

    const changedAt = performance.timeOrigin + performance.now();
    expect((await api.api('PUT', path, { sendRatePerSecond: 1000 }, api.adminToken)).status).toBe(200);
    await expectEventually(() => expect(delivered()).toHaveLength(16), { timeoutMs: 10_000 });
    // What was left (13 or so, 6.5 s at the old budget) arrives within one old interval plus moments.
    expect(delivered().at(-1)!.arrivedAt! - changedAt).toBeLessThan(1_500);
    expect(delivered().map((m) => (m.body['text'] as { content: string }).content)).toEqual(posted.map((_, i) => `预算 ${i}`));
  });
});
