import { CONVERSATION_SELECT, type ConversationRow, conversationView } from './conversation-view';
import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { ConversationState, ConversationView } from '@imbridge/contracts';
import { type AuditActor, AuditService } from '../audit/audit.service';
import { ApiError, notFound } from '../common/api-error';
import { UUID_PATTERN as UUID } from '../common/ids';
import { DeskNotifier } from '../realtime/desk-notifier.service';

/** 409 SERVICER_OWNS: someone answers this chat from the platform's own client; the desk is read-only. */
export function servicerOwns(servicer: string): ApiError {
  return new ApiError(
    409,
    'SERVICER_OWNS',
    `a servicer of the platform (${servicer}) is handling this chat from the platform's own client; the console is read-only`,
    `该会话正由平台接待人员 ${servicer} 在平台客户端接待，控制台只读`,
    { externalServicer: servicer },
  );
}

/** Who moved a conversation when no person did (handoff keyword, reopen on a new message). */
export const SYSTEM_ACTOR: AuditActor = { id: null, username: null };

const STATE_ZH: Record<ConversationState, string> = { bot: '机器人接待', queued: '排队中', assigned: '人工接待中', closed: '已关闭' };

interface Transition {
  /** Audit action `conversation.<action>`; a platform names its own servicer handoff (see toExternalServicer). */
  action: 'handoff' | 'claim' | 'assign' | 'transfer' | 'close' | 'reopen' | `${string}_servicer`;
  from: ConversationState[];
  to: ConversationState;
  /** The new assignee; `undefined` keeps the current one. */
  assigneeId?: string | null;
  /** Someone answering from the platform's own client; `undefined` keeps the current one. */
  externalServicer?: string | null;
  /** Only while no such servicer owns the chat (claims and transfers of our agents). */
  requireNoServicer?: boolean;
}

/** Called after the commit of every transition of a conversation (e.g. to keep a platform's session state in step). */
export type TransitionListener = (conversationId: string, done: TransitionResult) => void;

export interface TransitionResult {
  from: ConversationState;
  to: ConversationState;
  previousAssigneeId: string | null;
  assigneeId: string | null;
}

/**
 * Conversation states: bot → queued (handoff) → assigned (claim; assigned → assigned is a transfer)
 * → closed (close; also from bot and queued), and closed → bot when the customer writes again
 * (reopen). An agent may also claim a chat straight from the bot.
 *
 * Every transition is one conditional UPDATE (`WHERE id = $1 AND state = ANY($expected)`): of two
 * concurrent claims exactly one changes the row, the other matches nothing and gets 409 CONFLICT.
 * Each transition is audit-logged (`conversation.<action>`) in the same transaction.
 */
@Injectable()
export class ConversationStateService {
  private readonly listeners = new Set<TransitionListener>();

  constructor(
    private readonly ds: DataSource,
    private readonly audit: AuditService,
    private readonly notifier: DeskNotifier,
  ) {}

  async view(id: string): Promise<ConversationView> {
    if (!UUID.test(id)) throw notFound('conversation', '会话');
    const rows: ConversationRow[] = await this.ds.query(
      `${CONVERSATION_SELECT} WHERE c.id = $1`,
      [id],
    );
    if (rows.length === 0) throw notFound('conversation', '会话');
    return conversationView(rows[0]!);
  }

  /** Registers a listener told after the commit of every transition (see `announce`). */
  onTransition(listener: TransitionListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** An agent takes the chat: from the queue, or over from the bot. */
  async claim(id: string, actor: AuditActor & { id: string }): Promise<ConversationView> {
    await this.run(id, { action: 'claim', from: ['queued', 'bot'], to: 'assigned', assigneeId: actor.id, requireNoServicer: true }, actor);
    return this.view(id);
  }

  /** Hands an assigned chat to another (existing, enabled) user. */
  async transfer(id: string, assigneeId: string, actor: AuditActor): Promise<ConversationView> {
    if (!UUID.test(id)) throw notFound('conversation', '会话');
    const target: { disabled: boolean }[] = UUID.test(assigneeId) ? await this.ds.query('SELECT disabled FROM users WHERE id = $1', [assigneeId]) : [];
    if (target.length === 0) throw new ApiError(400, 'INVALID_ASSIGNEE', 'the assignee does not exist', '指定的客服不存在');
    if (target[0]!.disabled) throw new ApiError(400, 'INVALID_ASSIGNEE', 'the assignee is disabled', '指定的客服已被停用');
    const done = await this.run(id, { action: 'transfer', from: ['assigned'], to: 'assigned', assigneeId, requireNoServicer: true }, actor);
    if (done.previousAssigneeId !== done.assigneeId) this.notifier.queueChanged();
    return this.view(id);
  }

  async close(id: string, actor: AuditActor): Promise<ConversationView> {
    const done = await this.run(id, { action: 'close', from: ['bot', 'queued', 'assigned'], to: 'closed', externalServicer: null }, actor);
    // The assignee's capacity is free again.
    if (done.from === 'assigned') this.notifier.queueChanged();
    return this.view(id);
  }

  /** Auto-assignment: queued → assigned to `userId`, inside the caller's transaction (actor: system). */
  assign(m: EntityManager, id: string, userId: string): Promise<TransitionResult | null> {
    return this.apply(m, id, { action: 'assign', from: ['queued'], to: 'assigned', assigneeId: userId, requireNoServicer: true }, SYSTEM_ACTOR, { auto: true });
  }

  /** bot → queued inside the caller's transaction; null when the chat is no longer with the bot. */
  handoff(m: EntityManager, id: string, details: Record<string, unknown>): Promise<TransitionResult | null> {
    return this.apply(m, id, { action: 'handoff', from: ['bot'], to: 'queued', assigneeId: null }, SYSTEM_ACTOR, details);
  }

  /** closed → bot inside the inbox's transaction, when a new message arrives. */
  reopen(m: EntityManager, id: string, details: Record<string, unknown>): Promise<TransitionResult | null> {
    return this.apply(m, id, { action: 'reopen', from: ['closed'], to: 'bot', assigneeId: null, externalServicer: null }, SYSTEM_ACTOR, details);
  }

  /**
   * Handoff to a servicer of the platform, who answers the chat from the platform's own client. Our
   * chat is assigned to nobody with `external_servicer` set (the desk is read-only), inside the
   * caller's transaction; null when it already was exactly that. `auditAction`: the platform's name
   * for it in the audit log (`conversation.<auditAction>`).
   */
  async toExternalServicer(
    m: EntityManager,
    id: string,
    servicerUserId: string,
    details: Record<string, unknown>,
    auditAction: `${string}_servicer` = 'external_servicer',
  ): Promise<TransitionResult | null> {
    const [row]: { state: ConversationState; external_servicer: string | null }[] = await m.query('SELECT state, external_servicer FROM conversations WHERE id = $1 FOR UPDATE', [id]);
    if (!row || (row.state === 'assigned' && row.external_servicer === servicerUserId)) return null;
    return this.apply(
      m,
      id,
      { action: auditAction, from: ['bot', 'queued', 'assigned', 'closed'], to: 'assigned', assigneeId: null, externalServicer: servicerUserId },
      SYSTEM_ACTOR,
      { servicerUserId, ...details },
    );
  }

  /** The platform ended the session: closed, inside the caller's transaction. */
  closedByPlatform(m: EntityManager, id: string, details: Record<string, unknown>): Promise<TransitionResult | null> {
    return this.apply(m, id, { action: 'close', from: ['bot', 'queued', 'assigned'], to: 'closed', externalServicer: null }, SYSTEM_ACTOR, { byPlatform: true, ...details });
  }

  private async run(id: string, t: Transition, actor: AuditActor): Promise<TransitionResult> {
    if (!UUID.test(id)) throw notFound('conversation', '会话');
    const done = await this.ds.transaction((m) => this.apply(m, id, t, actor));
    if (done) {
      this.announce(id, done);
      return done;
    }
    const rows: { state: ConversationState; external_servicer: string | null }[] = await this.ds.query('SELECT state, external_servicer FROM conversations WHERE id = $1', [id]);
    if (rows.length === 0) throw notFound('conversation', '会话');
    const state = rows[0]!.state;
    const servicer = rows[0]!.external_servicer;
    if (t.requireNoServicer && servicer !== null && state !== 'closed') throw servicerOwns(servicer);
    const allowed = t.from.map((s) => STATE_ZH[s]).join('、');
    throw new ApiError(
      409,
      'CONFLICT',
      `cannot ${t.action} a conversation in state '${state}' (allowed from: ${t.from.join(', ')}); it may have just been changed by someone else`,
      `会话当前状态为「${STATE_ZH[state]}」，无法执行该操作（仅限：${allowed}），可能已被他人处理`,
      { state, allowedFrom: t.from },
    );
  }

  /**
   * After the commit of a transition: the chat's update to whoever sees it (the previous assignee
   * too), and the presence of the agents whose active chat count changed.
   */
  announce(id: string, done: TransitionResult): void {
    this.notifier.conversationChanged(id, { previousAssigneeId: done.previousAssigneeId, previousState: done.from });
    const wasActive = done.from === 'assigned' ? done.previousAssigneeId : null;
    const isActive = done.to === 'assigned' ? done.assigneeId : null;
    if (wasActive !== isActive) {
      if (wasActive) this.notifier.presenceChanged(wasActive);
      if (isActive) this.notifier.presenceChanged(isActive);
    }
    for (const listener of this.listeners) {
      try {
        listener(id, done);
      } catch {
        // A listener's failure is its own business; the transition is committed.
      }
    }
  }

  /** The one conditional UPDATE, plus its audit row; null when the state was not one of `t.from`. */
  private async apply(m: EntityManager, id: string, t: Transition, actor: AuditActor, details: Record<string, unknown> = {}): Promise<TransitionResult | null> {
    const keepAssignee = t.assigneeId === undefined;
    // `old` locks the row first, so the previous state and assignee read are the ones replaced; the
    // state condition on the target row is re-checked after a concurrent writer commits.
    type Row = { from_state: ConversationState; from_assignee: string | null; assignee_id: string | null };
    // TypeORM's postgres driver returns [rows, affected count] for an UPDATE.
    const keepServicer = t.externalServicer === undefined;
    const [rows]: [Row[], number] = await m.query(
      `UPDATE conversations c SET state = $3, assignee_id = CASE WHEN $4 THEN c.assignee_id ELSE $5::uuid END, updated_at = now(),
         queued_at = CASE WHEN $6 THEN now() ELSE c.queued_at END,
         external_servicer = CASE WHEN $7 THEN c.external_servicer ELSE $8::varchar END,
         -- Every change of hands starts the bot's failure streak afresh (e.g. after close → reopen).
         bot_failures = 0
       FROM (SELECT id, state, assignee_id FROM conversations WHERE id = $1 FOR UPDATE) old
       WHERE c.id = old.id AND c.state = ANY($2::varchar[]) AND (NOT $9 OR c.external_servicer IS NULL)
       RETURNING old.state AS from_state, old.assignee_id AS from_assignee, c.assignee_id`,
      [id, t.from, t.to, keepAssignee, keepAssignee ? null : t.assigneeId, t.to === 'queued', keepServicer, keepServicer ? null : t.externalServicer, t.requireNoServicer === true],
    );
    if (rows.length === 0) return null;
    const r = rows[0]!;
    const result: TransitionResult = { from: r.from_state, to: t.to, previousAssigneeId: r.from_assignee, assigneeId: r.assignee_id };
    await this.audit.record(actor, `conversation.${t.action}`, { type: 'conversation', id }, { ...result, ...details }, m);
    return result;
  }
}
