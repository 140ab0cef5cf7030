import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { InjectQueue } from '@nestjs/bull';
import type { Queue } from 'bull';
import { DataSource, type EntityManager } from 'typeorm';
import type { ConversationState, InboundMessage, KfAccountSettings, KfServiceState, KfSessionView, OutgoingMessage } from '@imbridge/contracts';
import { KF_FAIL_TYPES, kfMsgId } from '@imbridge/platform-wecom-kf';
import { ApiError, notFound } from '../common/api-error';
import { isUuid } from '../common/ids';
import { RedisService } from '../common/redis.service';
import { ConversationStateService, type TransitionResult } from '../conversations/conversation-state.service';
import { OutboundService } from '../outbound/outbound.service';
import { DeskNotifier } from '../realtime/desk-notifier.service';
import { JOB_DEFAULTS } from '../queue/queues';
import { KF_SESSION_QUEUE, type KfSessionJob } from './kf-session.queue';
import { readKfAccountSettings } from './kf-account-settings';
import { KF_PLATFORM } from './kf-sync.source';

/** A sync request made while a sync of the chat runs: the running one goes round once more. */
const AGAIN_TTL_MS = 10 * 60_000;
/** How many of a chat's latest outbound messages a msg_send_fail is matched against. */
const FAIL_MATCH_WINDOW = 50;
/** A text is split into at most this many kf messages (our msgids are per part). */
const MAX_PARTS = 16;

export const KF_SESSION_JOB_ATTEMPTS = 5;

/** What a stored kf event changed, told to the desk (and the sync) after the inbox's commit. */
export interface KfInboundEffects {
  /** Welcome messages queued in the transaction (outbound ids). */
  outbound: { conversationId: string; outboundId: string }[];
  /** Messages whose status or content changed (msg_send_fail, recall). */
  updatedMessageIds: string[];
  /** A transition the platform caused (session_status_change). */
  transition: { conversationId: string; done: TransitionResult } | null;
}

/** `<open_kfid>:<external_userid>` (the contact's external id of a kf chat). */
export function parseKfContact(externalId: string): { openKfId: string; externalUserId: string } | null {
  const i = externalId.indexOf(':');
  if (i <= 0 || i === externalId.length - 1) return null;
  const externalUserId = externalId.slice(i + 1);
  // Servicer status events land in a pseudo chat `<open_kfid>:servicer:<userid>`: no session there.
  if (externalUserId.startsWith('servicer:')) return null;
  return { openKfId: externalId.slice(0, i), externalUserId };
}

/**
 * The WeCom session state our conversation maps to (the state mapping in this folder's README): bot → 1;
 * queued → 1 (console handoff: the bot account keeps the chat while our agents come) or 3 with a
 * servicer / 2 without one (WeCom handoff); assigned → 1 (a console agent), 3 (a WeCom servicer);
 * closed → 4. `servicer` null with state 3: pick one when syncing.
 */
export function desiredKfState(
  c: { state: ConversationState; externalServicer: string | null },
  settings: Pick<KfAccountSettings, 'handoff' | 'servicerUserId'>,
): { state: KfServiceState; servicer: string | null } {
  if (c.state === 'closed') return { state: 4, servicer: null };
  if (c.externalServicer) return { state: 3, servicer: c.externalServicer };
  if (c.state === 'queued' && settings.handoff === 'wecom') return { state: 3, servicer: settings.servicerUserId };
  return { state: 1, servicer: null };
}

const textOfWelcome = (w: KfAccountSettings['welcome'], code: string): OutgoingMessage | null => {
  if (!w.enabled) return null;
  if (w.type === 'menu') {
    const items = w.menu?.items ?? [];
    if (items.length === 0) return null;
    return { type: 'menu', ...(w.menu?.head ? { head: w.menu.head } : {}), items, ...(w.menu?.tail ? { tail: w.menu.tail } : {}), eventCode: code, eventKind: 'welcome' };
  }
  const text = w.text ?? '';
  return text.trim() === '' ? null : { type: 'text', text, eventCode: code, eventKind: 'welcome' };
};

/**
 * 微信客服 sessions on our side: the kf events the inbox stores (enter_session → the welcome,
 * msg_send_fail → the message failed, session_status_change → our chat follows WeCom, recalls),
 * the per-account 'human' pipeline, and sync requests (`kf-session` jobs, see KfSessionSync) after
 * every transition of a kf chat. Runs in every role; the sync itself runs in the worker.
 */
@Injectable()
export class KfSessionService implements OnModuleInit {
  private readonly logger = new Logger('KfSession');
  private readonly platformOf = new Map<string, string>();

  constructor(
    private readonly ds: DataSource,
    private readonly redis: RedisService,
    private readonly states: ConversationStateService,
    private readonly outbound: OutboundService,
    private readonly notifier: DeskNotifier,
    @InjectQueue(KF_SESSION_QUEUE) private readonly queue: Queue<KfSessionJob>,
  ) {}

  onModuleInit(): void {
    // Every transition (claim, transfer, close, assign, reopen, platform-caused) of a kf chat moves WeCom's state too.
    this.states.onTransition((conversationId) => void this.requestSyncIfKf(conversationId));
  }

  /** Is this integration a 微信客服 one (cached: an integration never changes platform). */
  async isKfIntegration(m: DataSource | EntityManager, integrationId: string): Promise<boolean> {
    let platform = this.platformOf.get(integrationId);
    if (platform === undefined) {
      const [row]: { platform: string }[] = await m.query('SELECT platform FROM integrations WHERE id = $1', [integrationId]);
      if (!row) return false;
      platform = row.platform;
      if (this.platformOf.size > 10_000) this.platformOf.clear();
      this.platformOf.set(integrationId, platform);
    }
    return platform === KF_PLATFORM;
  }

  private async requestSyncIfKf(conversationId: string): Promise<void> {
    try {
      const [row]: { integration_id: string }[] = await this.ds.query('SELECT integration_id FROM conversations WHERE id = $1', [conversationId]);
      if (row && (await this.isKfIntegration(this.ds, row.integration_id))) await this.requestSync(conversationId);
    } catch (err) {
      this.logger.warn(`kf session sync of ${conversationId} not requested: ${(err as Error).message}`);
    }
  }

  /**
   * Queues the chat's sync. One job id per chat, so a burst coalesces; a request during a running
   * sync raises a flag the running one honours (and, should its job be just finishing, a follow-up job).
   */
  async requestSync(conversationId: string): Promise<void> {
    await this.redis.client.set(this.redis.key('kf-session-again', conversationId), '1', 'PX', AGAIN_TTL_MS);
    const opts = { ...JOB_DEFAULTS, attempts: KF_SESSION_JOB_ATTEMPTS };
    const job = await this.queue.add({ conversationId }, { ...opts, jobId: `kf-session-${conversationId}` });
    if (await job.isActive()) {
      await this.queue.add({ conversationId }, { ...opts, jobId: `kf-session-${conversationId}-${Date.now()}`, delay: 200 });
    }
  }

  /**
   * After a customer message of a kf chat was stored and answered: a chat whose WeCom state is not
   * what ours maps to (new session in 0, re-entered after 4, handed off by the bot) gets a sync.
   */
  async afterCustomerMessage(conversationId: string): Promise<void> {
    const [row]: { state: ConversationState; external_servicer: string | null; service_state: number | null }[] = await this.ds.query(
      'SELECT c.state, c.external_servicer, s.service_state FROM conversations c LEFT JOIN kf_sessions s ON s.conversation_id = c.id WHERE c.id = $1',
      [conversationId],
    );
    if (!row) return;
    const inStep = row.service_state === 1 && row.external_servicer === null && (row.state === 'bot' || row.state === 'assigned');
    if (!inStep) await this.requestSync(conversationId);
  }

  /**
   * The account's pipeline 'human': a customer message in a chat with the bot goes straight to the
   * agents' queue (the same handoff the bot makes, without its acknowledgement). True when handled.
   */
  async routeToHuman(integrationId: string, conversationId: string, openKfId: string, inboxEventId: string): Promise<boolean> {
    const settings = await readKfAccountSettings(this.ds, integrationId, openKfId);
    if (settings.pipeline !== 'human') return false;
    const done = await this.ds.transaction((m) => this.states.handoff(m, conversationId, { trigger: 'pipeline', inboxEventId }));
    if (done) {
      this.states.announce(conversationId, done);
      this.notifier.queueChanged();
    }
    return true;
  }

  /**
   * A kf event just stored by the inbox (inside its transaction, so each event acts exactly once):
   * enter_session queues the welcome (send_msg_on_event with the welcome_code, valid 20 s);
   * msg_send_fail fails our message; session_status_change moves our chat; user_recall_msg marks
   * the message recalled. The caller runs `afterCommit` with the result.
   */
  async applyEvent(m: EntityManager, ctx: { integrationId: string; conversationId: string; inboxEventId: string }, msg: InboundMessage): Promise<KfInboundEffects> {
    const effects: KfInboundEffects = { outbound: [], updatedMessageIds: [], transition: null };
    if (msg.type !== 'event') return effects;
    const extra = msg.extra ?? {};
    switch (msg.event?.name ?? '') {
      case 'enter_session': {
        const code = extra['event.welcome_code'];
        const openKfId = extra['open_kfid'];
        if (!code || !openKfId) break;
        const settings = await readKfAccountSettings(m, ctx.integrationId, openKfId);
        const welcome = textOfWelcome(settings.welcome, code);
        if (!welcome) break;
        const { outbound } = await this.outbound.createInTransaction(m, ctx.conversationId, welcome, null);
        effects.outbound.push({ conversationId: ctx.conversationId, outboundId: outbound.id });
        break;
      }
      case 'msg_send_fail': {
        const failMsgid = extra['event.fail_msgid'];
        if (!failMsgid) break;
        effects.updatedMessageIds.push(...(await this.failOutbound(m, ctx.conversationId, failMsgid, Number(extra['event.fail_type'] ?? 0))));
        break;
      }
      case 'session_status_change': {
        const changeType = Number(extra['event.change_type']);
        const servicer = extra['event.new_servicer_userid'] ?? '';
        const details = { changeType, inboxEventId: ctx.inboxEventId };
        let done: TransitionResult | null = null;
        if (changeType === 3) done = await this.states.closedByPlatform(m, ctx.conversationId, details);
        else if ([1, 2, 4].includes(changeType) && servicer !== '') done = await this.states.toExternalServicer(m, ctx.conversationId, servicer, details, 'wecom_servicer');
        if (done) effects.transition = { conversationId: ctx.conversationId, done };
        break;
      }
      case 'user_recall_msg': {
        const recalled = extra['event.recall_msgid'];
        if (!recalled) break;
        const [rows]: [{ id: string }[], number] = await m.query(
          `UPDATE messages SET content = COALESCE(content, '{}'::jsonb) || '{"recalled": true}'::jsonb
           WHERE conversation_id = $1 AND platform_message_id = $2 RETURNING id`,
          [ctx.conversationId, recalled],
        );
        effects.updatedMessageIds.push(...rows.map((r) => r.id));
        break;
      }
      default:
        // servicer_status_change and anything newer: stored as an event, nothing else.
        break;
    }
    return effects;
  }

  /** After the inbox's commit: welcome messages to the queue, the desk told, the sync asked for. */
  async afterCommit(effects: KfInboundEffects): Promise<void> {
    for (const o of effects.outbound) await this.outbound.dispatch(o);
    for (const id of effects.updatedMessageIds) this.notifier.messageUpdated(id);
    if (effects.transition) this.states.announce(effects.transition.conversationId, effects.transition.done);
  }

  /**
   * msg_send_fail: our message whose msgid the platform names (kf/send_msg echoes our msgid; a part
   * of a split text has its own, `kfMsgId(outbound id, part)`) becomes failed with the reason.
   * Matched on the computed msgids as well, so a report that overtakes the sender's own "sent"
   * update still finds its message (the sender then leaves it failed).
   */
  private async failOutbound(m: EntityManager, conversationId: string, failMsgid: string, failType: number): Promise<string[]> {
    const rows: { id: string; message_id: string; platform_message_ids: string[] | null }[] = await m.query(
      `SELECT id, message_id, platform_message_ids FROM outbound_messages WHERE conversation_id = $1 ORDER BY seq DESC LIMIT ${FAIL_MATCH_WINDOW}`,
      [conversationId],
    );
    const hit = rows.find(
      (r) => (Array.isArray(r.platform_message_ids) && r.platform_message_ids.includes(failMsgid)) || Array.from({ length: MAX_PARTS }, (_, i) => kfMsgId(r.id, i)).includes(failMsgid),
    );
    if (!hit) {
      this.logger.warn(`msg_send_fail for ${failMsgid}: no outbound message of conversation ${conversationId} has that msgid`);
      return [];
    }
    const reason = KF_FAIL_TYPES[failType] ?? KF_FAIL_TYPES[0]!;
    const error = { code: 'REJECTED', platformCode: `fail_type_${failType}`, message: `${reason.zh} / ${reason.en}`, messageZh: reason.zh, messageEn: reason.en };
    await m.query(`UPDATE outbound_messages SET status = 'failed', last_error = $2::jsonb, updated_at = now() WHERE id = $1`, [
      hit.id,
      JSON.stringify({ ...error, retryable: false }),
    ]);
    await m.query(`UPDATE messages SET status = 'failed', error = $2::jsonb WHERE id = $1`, [hit.message_id, JSON.stringify(error)]);
    return [hit.message_id];
  }

  /** GET /api/conversations/:id/kf-session. */
  async view(conversationId: string): Promise<KfSessionView> {
    if (!isUuid(conversationId)) throw notFound('conversation', '会话');
    const [row]: {
      platform: string;
      integration_id: string;
      state: ConversationState;
      external_servicer: string | null;
      external_id: string;
      service_state: number | null;
      servicer_userid: string | null;
      synced_at: Date | null;
      last_error: KfSessionView['lastError'];
    }[] = await this.ds.query(
      `SELECT i.platform, c.integration_id, c.state, c.external_servicer, ct.external_id, s.service_state, s.servicer_userid, s.synced_at, s.last_error
       FROM conversations c JOIN integrations i ON i.id = c.integration_id JOIN contacts ct ON ct.id = c.contact_id
       LEFT JOIN kf_sessions s ON s.conversation_id = c.id WHERE c.id = $1`,
      [conversationId],
    );
    if (!row) throw notFound('conversation', '会话');
    const who = row.platform === KF_PLATFORM ? parseKfContact(row.external_id) : null;
    if (!who) {
      throw new ApiError(404, 'NOT_KF', 'this conversation is not a 微信客服 (wecom-kf) chat', '该会话不是微信客服会话');
    }
    const settings = await readKfAccountSettings(this.ds, row.integration_id, who.openKfId);
    const desired = desiredKfState({ state: row.state, externalServicer: row.external_servicer }, settings);
    // Queued for WeCom without a configured servicer: 3 once one was found, else WeCom's queue (2).
    const desiredState: KfServiceState = desired.state === 3 && !desired.servicer && row.service_state !== 3 ? 2 : desired.state;
    return {
      openKfId: who.openKfId,
      externalUserId: who.externalUserId,
      serviceState: row.service_state === null ? null : (row.service_state as KfServiceState),
      servicerUserId: row.servicer_userid,
      desiredState,
      syncedAt: row.synced_at ? new Date(row.synced_at).toISOString() : null,
      lastError: row.last_error,
    };
  }
}
