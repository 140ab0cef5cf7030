import { randomBytes } from 'node:crypto';
import { expectEventually } from '@imbridge/testing';
import type { PlatformSim } from '@imbridge/platform-sim';
import type { ConversationView, IntegrationView } from '@imbridge/contracts';
import { type TestApp, wecomConfig } from './test-app';

/** A WeCom app in the simulator and the integration that points at it. */
export interface SimCorp {
  corpId: string;
  secret: string;
  integrationId: string;
  callbackUrl: string;
}

export const SIM_AGENT_ID = 1000002;

const alnum = (n: number): string => randomBytes(n).toString('base64').replace(/[^A-Za-z0-9]/g, '').padEnd(n, 'x').slice(0, n);

/**
 * Registers a fresh corp app in the simulator (unless `register: false`) and creates the integration
 * for it; `secretOverride` saves a different Secret than the simulator knows.
 */
export async function newSimCorp(
  app: TestApp,
  sim: PlatformSim,
  opts: { name?: string; register?: boolean; secretOverride?: string; agentId?: number; botDefaults?: boolean } = {},
): Promise<SimCorp> {
  const creds = {
    corpId: `ww${randomBytes(8).toString('hex')}`,
    agentId: opts.agentId ?? SIM_AGENT_ID,
    secret: randomBytes(40).toString('base64url').slice(0, 43),
    token: alnum(24),
    encodingAesKey: alnum(43),
  };
  if (opts.register !== false) sim.wecom.addApp(creds);
  const config = wecomConfig({ ...creds, secret: opts.secretOverride ?? creds.secret, apiBaseUrl: sim.url });
  const res = await app.api<IntegrationView>('POST', '/api/integrations', { platform: 'wecom', name: `${opts.name ?? 'sim'} ${creds.corpId}`, config }, app.adminToken);
  expect({ status: res.status, body: res.status === 201 ? 'created' : res.body }).toEqual({ status: 201, body: 'created' });
  if (opts.botDefaults !== true) {
    // The bot's defaults answer every unmatched message with a fallback text and hand off after 3 in a
    // row; specs about sending, keywords and states expect a silent bot unless they set one up.
    const bot = await app.api('PUT', `/api/integrations/${res.body.id}/bot`, { fallbackText: null, handoffAfterFailures: 0 }, app.adminToken);
    expect(bot.status).toBe(200);
  }
  return { corpId: creds.corpId, secret: creds.secret, integrationId: res.body.id, callbackUrl: res.body.callbackUrl };
}

/** The member writes to the app through the simulator; returns the conversation that results. */
export async function openSimConversation(app: TestApp, sim: PlatformSim, corp: SimCorp, userId: string, content = '你好'): Promise<ConversationView> {
  const pushed = await sim.wecom.client.push(corp.callbackUrl, corp.corpId, { type: 'text', fromUser: userId, content });
  expect(pushed.responses.map((r) => r.status)).toEqual([200]);
  return expectEventually(async () => {
    const res = await app.api<ConversationView[]>('GET', `/api/conversations?integrationId=${corp.integrationId}`, undefined, app.adminToken);
    const conv = res.body.find((c) => c.contact.externalId === userId);
    expect(conv).toBeDefined();
    return conv!;
  });
}
