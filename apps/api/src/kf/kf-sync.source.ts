import { Inject, Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { CursorPullSource, InboundEvent, IntegrationRef, PullContext } from '@imbridge/platform-core';
import {
  batchGetKfCustomers,
  KF_CUSTOMER_BATCH_MAX,
  KfMessageInvalid,
  listKfAccounts,
  readWecomKfConfig,
  syncMsg,
  toKfInboundEvent,
  type KfRawMessage,
  type KfSyncPage,
  type WecomKfConfig,
} from '@imbridge/platform-wecom-kf';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { RedisService } from '../common/redis.service';
import { InboxDispatcher } from '../callbacks/inbox-dispatcher.service';
import { IntegrationsService } from '../integrations/integrations.service';
import { RedisTokenStore } from '../outbound/redis-token-store';
import { GuardedHttpClient } from '../security/guarded-http.client';
import { UrlPolicy } from '../security/url-policy';
import { readKfAccountSettings } from './kf-account-settings';

export const KF_PLATFORM = 'wecom-kf';
/** The cursor-pull source of 微信客服 (one unit per kf account, open_kfid). */
export const KF_SYNC_SOURCE = 'wecom-kf:sync_msg';
/** A callback Token lives 10 minutes; keep it a little less for the periodic pull. */
const TOKEN_TTL_MS = 9 * 60_000;
/** Guards against a platform that answers has_more=1 forever; the next notification or round goes on. */
const MAX_PAGES_PER_PULL = 500;
/** kf/account/list is asked again after this long (new accounts get primed without a callback). */
const ACCOUNT_LIST_TTL_MS = 10 * 60_000;

/**
 * 微信客服 pull, run by the InboundSourceSupervisor (one pull per (integration, open_kfid) at a time
 * across processes, coalesced requests, periodic rounds, shutdown between pages): reads kf/sync_msg
 * from the stored cursor until has_more is 0. Each page's messages become inbox events in the same
 * transaction that moves the cursor, so a crash between pages neither loses nor replays a page; dedupe
 * on msgid makes an overlap harmless anyway.
 * The first pull of an account primes it: history sent before the integration was created is paged
 * past without inbox events, or — with the integration's `historyOnSetup` = 'import' — stored as
 * history (`extra.history = '1'`: in the chats, never answered, not unread).
 * An account an administrator marked not served (kf_accounts.served = false) is not pulled at all:
 * nothing is stored and its cursor stays where it is.
 */
@Injectable()
export class KfSyncSource implements CursorPullSource {
  readonly kind = 'cursor-pull';
  readonly name = KF_SYNC_SOURCE;
  readonly label = { zh: '微信客服消息拉取（sync_msg，按客服账号）', en: 'WeChat Customer Service pull (sync_msg, per account)' };
  readonly platform = KF_PLATFORM;
  private readonly logger = new Logger('KfPuller');
  private readonly http: GuardedHttpClient;
  /** Last received_at given to a pulled event, per account (see `stamps`). */
  private readonly lastStamp = new Map<string, number>();
  private readonly accountLists = new Map<string, { at: number; ids: string[] }>();

  constructor(
    private readonly ds: DataSource,
    private readonly redis: RedisService,
    private readonly integrations: IntegrationsService,
    private readonly tokens: RedisTokenStore,
    private readonly dispatcher: InboxDispatcher,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.http = new GuardedHttpClient(new UrlPolicy(config.allowPrivateUrls));
  }

  /** The callback's Token: sync_msg calls with it are not rate limited. */
  async noteHint(integrationId: string, openKfId: string, token: string): Promise<void> {
    await this.redis.client.set(this.redis.key('kf-token', integrationId, openKfId), token, 'PX', TOKEN_TTL_MS);
  }

  /**
   * The accounts of the periodic round: those with a cursor, plus those kf/account/list shows (cached;
   * a failing list keeps the known ones), minus those an administrator marked not served.
   */
  async units(integration: IntegrationRef): Promise<string[]> {
    const integrationId = integration.id;
    const known = await this.knownAccounts(integrationId);
    const cached = this.accountLists.get(integrationId);
    let listed = cached?.ids ?? [];
    if (!cached || Date.now() - cached.at > ACCOUNT_LIST_TTL_MS) {
      try {
        const accounts = await listKfAccounts({ http: this.http, tokens: this.tokens }, readWecomKfConfig(integration.config));
        listed = accounts.map((a) => a.openKfId);
        this.accountLists.set(integrationId, { at: Date.now(), ids: listed });
      } catch (err) {
        this.logger.warn(`kf/account/list for integration ${integrationId} failed: ${(err as Error).message}`);
      }
    }
    const unserved: { open_kfid: string }[] = await this.ds.query('SELECT open_kfid FROM kf_accounts WHERE integration_id = $1 AND NOT served', [integrationId]);
    const skip = new Set(unserved.map((r) => r.open_kfid));
    return [...new Set([...known, ...listed])].filter((id) => !skip.has(id));
  }

  /** The kf accounts this integration has a cursor for. */
  async knownAccounts(integrationId: string): Promise<string[]> {
    const rows: { open_kfid: string }[] = await this.ds.query('SELECT open_kfid FROM kf_cursors WHERE integration_id = $1 ORDER BY open_kfid', [integrationId]);
    return rows.map((r) => r.open_kfid);
  }

  async pull(ctx: PullContext): Promise<'done' | 'more'> {
    const { integrationId, unit: openKfId } = ctx;
    const integration = await this.integrations.runtime(integrationId);
    if (!integration || integration.platform !== KF_PLATFORM || !integration.enabled) return 'done';
    const cfg = readWecomKfConfig(integration.config);
    // Not served by this integration (another system answers it): leave its messages and cursor alone.
    if (!(await readKfAccountSettings(this.ds, integrationId, openKfId)).served) return 'done';
    const [row]: { cursor: string; primed_at: Date | null }[] = await this.ds.query(
      'SELECT cursor, primed_at FROM kf_cursors WHERE integration_id = $1 AND open_kfid = $2',
      [integrationId, openKfId],
    );
    // First pull of an account: page through what the platform still has (3 days) and skip (or import
    // as history) what was sent before the integration was set up; a message sent after it (its
    // callback may well be what started this pull) is kept.
    let skipUntilMs: number | null = null;
    if (!row || row.primed_at === null) {
      const [setup]: { created_at: Date }[] = await this.ds.query('SELECT created_at FROM integrations WHERE id = $1', [integrationId]);
      skipUntilMs = setup ? new Date(setup.created_at).getTime() : Date.now();
    }
    let cursor = row?.cursor ?? '';
    for (let pages = 0; pages < MAX_PAGES_PER_PULL; pages++) {
      const page = await this.fetch(cfg, integrationId, openKfId, cursor || undefined);
      const done = !page.hasMore;
      const created = await this.storePage(cfg, integrationId, openKfId, page, cursor, skipUntilMs, cfg.historyOnSetup === 'import', skipUntilMs !== null && done);
      for (const e of created) this.dispatcher.dispatch({ integrationId, conversationKey: e.conversationKey, eventId: e.id });
      cursor = page.nextCursor;
      if (done) return 'done';
      // Shutting down: the cursor is where the last committed page left it; whoever pulls next goes on.
      if (ctx.stopping()) return 'more';
      if (!(await ctx.keepAlive())) throw new Error(`kf ${openKfId}: lost the pull lock`);
    }
    this.logger.warn(`kf ${openKfId}: still has_more after ${MAX_PAGES_PER_PULL} pages; continuing on the next pull`);
    return 'more';
  }

  /** One sync_msg page, with the latest callback Token when there is one (without it calls are rate limited). */
  private async fetch(cfg: WecomKfConfig, integrationId: string, openKfId: string, cursor: string | undefined): Promise<KfSyncPage> {
    const ctx = { http: this.http, tokens: this.tokens };
    const tokenKey = this.redis.key('kf-token', integrationId, openKfId);
    const token = (await this.redis.client.get(tokenKey)) ?? undefined;
    try {
      return await syncMsg(ctx, cfg, { cursor, token, openKfId });
    } catch (err) {
      if (!token) throw err;
      // An expired or refused Token must not block the pull: forget it and try once without.
      await this.redis.client.del(tokenKey);
      this.logger.warn(`kf ${openKfId}: sync_msg with the callback token failed (${(err as Error).message}); retrying without`);
      return syncMsg(ctx, cfg, { cursor, openKfId });
    }
  }

  private async storePage(
    cfg: WecomKfConfig,
    integrationId: string,
    openKfId: string,
    page: KfSyncPage,
    previousCursor: string,
    skipUntilMs: number | null,
    importHistory: boolean,
    primedNow: boolean,
  ): Promise<{ id: string; conversationKey: string }[]> {
    const isFresh = (raw: KfRawMessage): boolean => skipUntilMs === null || (typeof raw['send_time'] === 'number' && raw['send_time'] * 1000 > skipUntilMs);
    const events: InboundEvent[] = [];
    for (const raw of page.messages) {
      if (isFresh(raw)) {
        events.push(...this.toEvents(openKfId, [raw]));
        continue;
      }
      if (!importHistory) continue;
      // History: the chat content (customers' and servicers' messages), marked so that the inbox stores
      // it without answering or counting it unread. Old system events (enter_session with an expired
      // welcome code, past state changes, failures of sends that were not ours) are not replayed.
      for (const event of this.toEvents(openKfId, [raw])) {
        if (event.message.type === 'event') continue;
        event.message.extra = { ...(event.message.extra ?? {}), history: '1' };
        events.push(event);
      }
    }
    await this.nameNewCustomers(cfg, integrationId, openKfId, events);
    const stamps = this.stamps(`${integrationId}:${openKfId}`, events.length);
    return this.ds.transaction(async (m) => {
      let created: { id: string; conversation_key: string }[] = [];
      if (events.length > 0) {
        const params: unknown[] = [];
        const values = events.map((e, i) => {
          params.push(integrationId, e.dedupeKey, e.conversationKey, JSON.stringify(e.message), stamps[i]);
          const b = i * 5;
          return `($${b + 1}, $${b + 2}, $${b + 3}, $${b + 4}::jsonb, $${b + 5}::timestamptz)`;
        });
        // VALUES keep the page's order, so ids (and the inbox's per-conversation order) follow sync_msg.
        created = await m.query(
          `INSERT INTO inbox_events (integration_id, dedupe_key, conversation_key, payload, received_at) VALUES ${values.join(', ')}
           ON CONFLICT (integration_id, dedupe_key) DO NOTHING RETURNING id, conversation_key`,
          params,
        );
      }
      // Only from the cursor this pull started the page with: should the lock ever be lost to a second
      // puller, the slower one rolls back instead of moving the cursor backwards.
      const moved: unknown[] = await m.query(
        `INSERT INTO kf_cursors (integration_id, open_kfid, cursor, primed_at, updated_at) VALUES ($1, $2, $3, $4, now())
         ON CONFLICT (integration_id, open_kfid) DO UPDATE SET cursor = EXCLUDED.cursor,
           primed_at = COALESCE(kf_cursors.primed_at, EXCLUDED.primed_at), updated_at = now()
         WHERE kf_cursors.cursor = $5 RETURNING 1`,
        [integrationId, openKfId, page.nextCursor, primedNow ? new Date() : null, previousCursor],
      );
      if (moved.length === 0) throw new Error(`kf ${openKfId}: the cursor was moved by another pull`);
      return created.map((r) => ({ id: String(r.id), conversationKey: r.conversation_key }));
    });
  }

  /**
   * Distinct, increasing receive times for a page: the stored message takes its time from the inbox
   * row and chats are ordered by it, so messages pulled together must not share one timestamp.
   */
  private stamps(key: string, n: number): Date[] {
    const base = Math.max(Date.now(), (this.lastStamp.get(key) ?? 0) + 1);
    if (n > 0) this.lastStamp.set(key, base + n - 1);
    if (this.lastStamp.size > 10_000) this.lastStamp.clear();
    return Array.from({ length: n }, (_, i) => new Date(base + i));
  }

  /**
   * Customers whose contact has no name yet get their WeChat nickname (kf/customer/batchget), so the
   * desk can say 王女士 rather than wmXXXX. Names are a nicety: a failed lookup is logged, the page is
   * stored without them, and the next message of that customer tries again.
   */
  private async nameNewCustomers(cfg: WecomKfConfig, integrationId: string, openKfId: string, events: InboundEvent[]): Promise<void> {
    const byContact = new Map<string, InboundEvent[]>();
    for (const e of events) {
      if (!e.message.extra?.['external_userid']) continue;
      byContact.set(e.conversationKey, [...(byContact.get(e.conversationKey) ?? []), e]);
    }
    if (byContact.size === 0) return;
    const named: { external_id: string }[] = await this.ds.query(
      'SELECT external_id FROM contacts WHERE integration_id = $1 AND external_id = ANY($2) AND display_name IS NOT NULL',
      [integrationId, [...byContact.keys()]],
    );
    const known = new Set(named.map((r) => r.external_id));
    const unnamed = [...byContact.entries()].filter(([key]) => !known.has(key));
    if (unnamed.length === 0) return;
    const nicknames = new Map<string, string>();
    try {
      const ids = unnamed.map(([, list]) => list[0]!.message.extra!['external_userid']!);
      for (let i = 0; i < ids.length; i += KF_CUSTOMER_BATCH_MAX) {
        for (const c of await batchGetKfCustomers({ http: this.http, tokens: this.tokens }, cfg, ids.slice(i, i + KF_CUSTOMER_BATCH_MAX))) {
          if (c.nickname) nicknames.set(c.externalUserId, c.nickname);
        }
      }
    } catch (err) {
      this.logger.warn(`kf ${openKfId}: could not look up customer names (${(err as Error).message}); stored without`);
      return;
    }
    for (const [, list] of unnamed) {
      const name = nicknames.get(list[0]!.message.extra!['external_userid']!);
      if (name) for (const e of list) e.message.sender = { ...e.message.sender, name: name.slice(0, 128) };
    }
  }

  private toEvents(openKfId: string, messages: KfRawMessage[]): InboundEvent[] {
    const events: InboundEvent[] = [];
    for (const raw of messages) {
      try {
        const event = toKfInboundEvent(raw);
        // The contact is the customer on this kf account: `<open_kfid>:<external_userid>` is also the
        // recipient kf/send_msg needs (kfRecipient), so the generic outbound path can answer.
        event.message.sender = { ...event.message.sender, externalId: event.conversationKey };
        events.push(event);
      } catch (err) {
        if (!(err instanceof KfMessageInvalid)) throw err;
        this.logger.warn(`kf ${openKfId}: skipped an invalid sync_msg entry (${err.message})`);
      }
    }
    return events;
  }
}
