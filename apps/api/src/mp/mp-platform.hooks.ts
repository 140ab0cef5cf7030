import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { InboundMessage, OutgoingMessage } from '@imbridge/contracts';
import {
  RegisterPlatformHooks,
  type AfterCommit,
  type DeliveryDecision,
  type DeliveryPolicy,
  type InboxHookContext,
  type InboxHooks,
  type IntegrationRef,
  type PlatformHooks,
  type SqlExecutor,
} from '@imbridge/platform-core';
import { MpInboxHooks } from './mp-inbox.hooks';
import { MpPassiveReplies, MP_PLATFORM } from './mp-passive.service';
import { passiveTextOf } from './mp-passive-text';
import { MpReplyWindow } from './mp-reply-window';

/**
 * 公众号 (mp) in the generic pipeline: answers in the callback's HTTP response for accounts that can
 * only reply passively (callbackReplies), holds their outbound messages for that (delivery), writes
 * welcome messages with subscribe/SCAN events (inbox), and computes reply windows from the account's
 * configuration (replyWindow). See this folder's README.
 */
@RegisterPlatformHooks()
@Injectable()
export class MpPlatformHooks implements PlatformHooks {
  readonly platform = MP_PLATFORM;
  readonly inbox: InboxHooks;
  readonly delivery: DeliveryPolicy = { decide: (integration, payload) => decideDelivery(integration, payload) };

  constructor(
    readonly callbackReplies: MpPassiveReplies,
    readonly replyWindow: MpReplyWindow,
    welcome: MpInboxHooks,
  ) {
    this.inbox = {
      // The welcome for a subscribe / QR scan commits with the event (a passive reply waiting for the
      // event then finds it queued), and is dispatched after the commit.
      inTransaction: async (tx: SqlExecutor, ctx: InboxHookContext, message: InboundMessage): Promise<AfterCommit | null> => {
        const ids = await welcome.welcomeInTransaction(tx as EntityManager, ctx.integrationId, ctx.conversationId, message);
        return ids.length > 0 ? () => welcome.dispatch(ctx.conversationId, ids) : null;
      },
    };
  }
}

/**
 * An account that can only reply passively cannot send on its own: the message is held until the
 * user's next callback hands it out (MpPassiveReplies); what cannot go out as text is refused.
 */
export function decideDelivery(integration: Pick<IntegrationRef, 'platform' | 'config'>, payload: OutgoingMessage): DeliveryDecision {
  if (!MpPassiveReplies.passiveConfig(integration)) return { action: 'send' };
  if (passiveTextOf(payload) === null) {
    return {
      action: 'refuse',
      error: {
        code: 'INVALID',
        message: 'this Official Account can only reply passively, and a passive reply of ours carries text only; send the content as text or a link',
        platformCode: 'PASSIVE_TEXT_ONLY',
      },
    };
  }
  return { action: 'hold' };
}
