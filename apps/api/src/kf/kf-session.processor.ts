import { Inject, Injectable, Logger } from '@nestjs/common';
import { Process, Processor } from '@nestjs/bull';
import type { Job } from 'bull';
import { DataSource } from 'typeorm';
import type { ConversationState, KfServiceState, KfSessionView } from '@imbridge/contracts';
import { PlatformError } from '@imbridge/platform-core';
import { getServiceState, KF_STATE_TRANSITIONS, listKfServicers, readWecomKfConfig, transServiceState, type KfCallContext, type WecomKfConfig } from '@imbridge/platform-wecom-kf';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { RedisLock, RedisService } from '../common/redis.service';
import { ConversationStateService } from '../conversations/conversation-state.service';
import { IntegrationsService } from '../integrations/integrations.service';
import { OutboundService } from '../outbound/outbound.service';
import { RedisTokenStore } from '../outbound/redis-token-store';
import { DeskNotifier } from '../realtime/desk-notifier.service';
import { GuardedHttpClient } from '../security/guarded-http.client';
import { UrlPolicy } from '../security/url-policy';
import { KF_SESSION_QUEUE, type KfSessionJob } from './kf-session.queue';
import { PlatformRegistry } from '../platforms/platform-registry.service';
import { readKfAccountSettings } from './kf-account-settings';
import { platformCodeAdvice } from '../dead-letters/dead-letter-advice';
import { KF_PLATFORM } from './kf-sync.source';
import { desiredKfState, KF_SESSION_JOB_ATTEMPTS, parseKfContact } from './kf-session.service';

const LOCK_TTL_MS = 60_000;

type LastError = NonNullable<KfSessionView['lastError']>;


/** Thrown to have Bull try again later without recording an error (e.g. our last messages still sending). */
class NotYet extends Error {}

/**
 * One sync of a 微信客服 chat: reads WeCom's state (kf/service_state/get), works out the state our
 * conversation maps to (the state mapping in this folder's README), moves WeCom there when the transition is
 * allowed (kf/service_state/trans), and records the outcome in kf_sessions. Moving to 3 makes our
 * chat the WeCom servicer's (assigned to nobody, external_servicer set); moving to 4 sends the end
 * message with the msg_code it returns. Platform errors land in kf_sessions.last_error (zh/en);
 * temporary ones are thrown so that the job is retried.
 */
@Injectable()
export class KfSessionSync {
  private readonly logger = new Logger('KfSessionSync');
  private readonly http: GuardedHttpClient;

  constructor(
    private readonly ds: DataSource,
    private readonly integrations: IntegrationsService,
    private readonly tokens: RedisTokenStore,
    private readonly states: ConversationStateService,
    private readonly outbound: OutboundService,
    private readonly notifier: DeskNotifier,
    private readonly registry: PlatformRegistry,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.http = new GuardedHttpClient(new UrlPolicy(config.allowPrivateUrls));
  }

  /** `lastAttempt`: do not wait any longer for our pending messages before a move that forbids sending. */
  async sync(conversationId: string, lastAttempt = false): Promise<void> {
    const [c]: { integration_id: string; platform: string; state: ConversationState; external_servicer: string | null; external_id: string }[] = await this.ds.query(
      `SELECT c.integration_id, i.platform, c.state, c.external_servicer, ct.external_id
       FROM conversations c JOIN integrations i ON i.id = c.integration_id JOIN contacts ct ON ct.id = c.contact_id WHERE c.id = $1`,
      [conversationId],
    );
    if (!c || c.platform !== KF_PLATFORM) return;
    const who = parseKfContact(c.external_id);
    if (!who) return;
    const integration = await this.integrations.runtime(c.integration_id);
    if (!integration || !integration.enabled) return;
    await this.ds.query(
      `INSERT INTO kf_sessions (conversation_id, integration_id, open_kfid, external_userid) VALUES ($1, $2, $3, $4) ON CONFLICT (conversation_id) DO NOTHING`,
      [conversationId, c.integration_id, who.openKfId, who.externalUserId],
    );
    const cfg = readWecomKfConfig(integration.config);
    const ctx: KfCallContext = { http: this.http, tokens: this.tokens };
    const settings = await readKfAccountSettings(this.ds, c.integration_id, who.openKfId);
    try {
      const now = await getServiceState(ctx, cfg, who.openKfId, who.externalUserId);
      let target = desiredKfState({ state: c.state, externalServicer: c.external_servicer }, settings);
      // The WeCom servicer owns the chat: WeCom's word is the truth (its session_status_change moves ours).
      if (c.external_servicer) return await this.record(conversationId, now.state, now.servicerUserId ?? null, null);
      if (target.state === 3 && !target.servicer) {
        const servicer = await this.firstReceiving(ctx, cfg, who.openKfId);
        target = servicer ? { state: 3, servicer } : { state: 2, servicer: null };
      }
      if (now.state === target.state && (target.state !== 3 || now.servicerUserId === target.servicer)) {
        return await this.record(conversationId, now.state, now.servicerUserId ?? null, null);
      }
      if (!KF_STATE_TRANSITIONS[now.state].includes(target.state)) {
        // A session in 4 waits for the customer's next message (4 → 0), which asks for a sync again.
        const error: LastError | null =
          now.state === 4
            ? null
            : {
                code: 'STATE_NOT_ALLOWED',
                platformCode: `${now.state}->${target.state}`,
                message: `WeCom's session is in state ${now.state}; it cannot be moved to ${target.state}`,
                messageZh: `企业微信会话当前状态为 ${now.state}，无法变更为 ${target.state}`,
              };
        return await this.record(conversationId, now.state, now.servicerUserId ?? null, error);
      }
      // 2, 3 and 4 forbid send_msg: let our messages already on their way go out first.
      if (!lastAttempt && target.state !== 1 && (await this.sending(conversationId))) throw new NotYet(`conversation ${conversationId}: messages still sending`);
      const moved = await transServiceState(ctx, cfg, {
        openKfId: who.openKfId,
        externalUserId: who.externalUserId,
        state: target.state as 1 | 2 | 3 | 4,
        ...(target.state === 3 && target.servicer ? { servicerUserId: target.servicer } : {}),
      });
      await this.record(conversationId, target.state, target.state === 3 ? target.servicer : null, null);
      if (target.state === 3 && target.servicer) await this.handToServicer(conversationId, target.servicer);
      if (target.state === 4 && moved.msgCode && settings.endMessage && settings.endMessage.trim() !== '') {
        await this.outbound.enqueue(conversationId, { type: 'text', text: settings.endMessage, eventCode: moved.msgCode, eventKind: 'end' }, null);
      }
    } catch (raw) {
      if (raw instanceof NotYet) throw raw;
      const err = raw instanceof PlatformError ? raw : new PlatformError('TEMPORARY', (raw as Error).message, { platformCode: 'INTERNAL', cause: raw });
      // zh/en for the errors an administrator can act on; the rest keep the platform's message.
      const known = platformCodeAdvice(this.registry.get(KF_PLATFORM)?.advice, err);
      const error: LastError = {
        code: err.code,
        message: known ? `${known.en} (${err.message})` : err.message,
        messageZh: known?.zh ?? `微信客服会话状态同步失败：${err.message}`,
        ...(err.platformCode ? { platformCode: err.platformCode } : {}),
      };
      await this.ds.query('UPDATE kf_sessions SET last_error = $2::jsonb WHERE conversation_id = $1', [conversationId, JSON.stringify(error)]);
      this.notifier.conversationChanged(conversationId);
      this.logger.warn(`kf session sync of ${conversationId} failed: ${err.code} ${err.platformCode ?? ''} ${err.message}`);
      if (err.retryable) throw err;
    }
  }

  private async firstReceiving(ctx: KfCallContext, cfg: WecomKfConfig, openKfId: string): Promise<string | null> {
    const list = await listKfServicers(ctx, cfg, openKfId);
    return list.find((s) => s.status === 0 && s.userId)?.userId ?? null;
  }

  /** Our outbound messages (not event-code ones) still queued or sending. */
  private async sending(conversationId: string): Promise<boolean> {
    const rows: unknown[] = await this.ds.query(
      `SELECT 1 FROM outbound_messages WHERE conversation_id = $1 AND status IN ('queued', 'sending') AND NOT (payload ? 'eventCode') LIMIT 1`,
      [conversationId],
    );
    return rows.length > 0;
  }

  /** WeCom gave the chat to a servicer: ours is theirs now (read-only on the desk). */
  private async handToServicer(conversationId: string, servicer: string): Promise<void> {
    const done = await this.ds.transaction((m) => this.states.toExternalServicer(m, conversationId, servicer, { trigger: 'handoff' }, 'wecom_servicer'));
    if (done) {
      this.states.announce(conversationId, done);
      this.notifier.queueChanged();
    }
  }

  private async record(conversationId: string, state: KfServiceState, servicer: string | null, error: LastError | null): Promise<void> {
    await this.ds.query(
      `UPDATE kf_sessions SET service_state = $2, servicer_userid = $3, synced_at = now(), last_error = $4::jsonb WHERE conversation_id = $1`,
      [conversationId, state, state === 3 ? servicer : null, error === null ? null : JSON.stringify(error)],
    );
    this.notifier.conversationChanged(conversationId);
  }
}

/**
 * The `kf-session` queue: one sync of a chat at a time across processes (Redis lock); requests made
 * meanwhile raise a flag (KfSessionService.requestSync) that makes the holder go round again.
 */
@Processor(KF_SESSION_QUEUE)
export class KfSessionProcessor {
  constructor(
    private readonly sync: KfSessionSync,
    private readonly redis: RedisService,
  ) {}

  @Process({ concurrency: 4 })
  async handle(job: Job<KfSessionJob>): Promise<void> {
    const { conversationId } = job.data;
    const client = this.redis.client;
    const again = this.redis.key('kf-session-again', conversationId);
    const lastAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? KF_SESSION_JOB_ATTEMPTS);
    for (;;) {
      const lock = await RedisLock.acquire(client, this.redis.key('kf-session-lock', conversationId), LOCK_TTL_MS);
      if (!lock) return;
      try {
        while ((await client.del(again)) > 0) await this.sync.sync(conversationId, lastAttempt);
      } catch (err) {
        await client.set(again, '1', 'PX', 10 * LOCK_TTL_MS).catch(() => undefined);
        throw err;
      } finally {
        await lock.release().catch(() => undefined);
      }
      if ((await client.exists(again)) === 0) return;
    }
  }
}
