import { DataSource } from 'typeorm';
import type { InboundMessage } from '@imbridge/contracts';
import { BotPipeline } from '../src/keyword-rules/bot-pipeline.service';
import type { TestApp } from './test-app';

/** Retries and the send rate fast enough that delivery tests finish in seconds. */
export const FAST = { IMBRIDGE_RETRY_BASE_MS: '50', IMBRIDGE_SEND_RATE_PER_SECOND: '1000' };

/** The API's error body (ApiError), as the specs read it. */
export interface ErrorBody {
  statusCode: number;
  code: string;
  message: string;
  messageZh?: string;
  details?: { field: string; message: { zh: string; en: string } }[];
}

export interface Agent {
  id: string;
  username: string;
  token: string;
}

/** Creates an agent account through the admin API and logs it in. */
export async function newAgent(app: TestApp, username: string): Promise<Agent> {
  const password = `${username}-password`;
  const created = await app.api<{ id: string }>('POST', '/api/users', { username, password, role: 'agent' }, app.adminToken);
  expect(created.status).toBe(201);
  const login = await app.api<{ accessToken: string }>('POST', '/api/auth/login', { username, password });
  expect(login.status).toBe(200);
  return { id: created.body.id, username, token: login.body.accessToken };
}

/** A direct connection to the test app's database, for checks the API does not expose. Destroy it in afterAll. */
export async function openDataSource(app: TestApp): Promise<DataSource> {
  const ds = new DataSource({ type: 'postgres', url: app.databaseUrl });
  await ds.initialize();
  return ds;
}

/**
 * What a second run of the inbound job would do: the integration's `index`-th inbox event (oldest
 * first) through the bot pipeline again, here twice at once.
 */
export async function rerunInboxEventTwice(app: TestApp, ds: DataSource, integrationId: string, conversationId: string, index = 0): Promise<void> {
  const events = (await ds.query(`SELECT id::text AS id, payload FROM inbox_events WHERE integration_id = $1 ORDER BY id`, [integrationId])) as { id: string; payload: InboundMessage }[];
  const event = events[index];
  expect(event).toBeDefined();
  const bot = app.running.app.get(BotPipeline);
  const ctx = { conversationId, integrationId, inboxEventId: event!.id };
  await Promise.all([bot.onInbound(event!.payload, ctx), bot.onInbound(event!.payload, ctx)]);
}
