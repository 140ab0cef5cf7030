import { Injectable, Logger } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { InboundMessage } from '@imbridge/contracts';
import { RegisterPlatformHooks, type InboxHooks, type PlatformHooks } from '@imbridge/platform-core';
import { kfNotifyFromEvent } from '@imbridge/platform-wecom-kf';
import { KfSessionService } from './kf-session.service';
import { KF_PLATFORM, KF_SYNC_SOURCE, KfSyncSource } from './kf-sync.source';

/**
 * 微信客服 (wecom-kf) in the generic pipeline:
 * - a `kf_msg_or_event` callback is a trigger for the sync_msg pull, not a message (inbox.trigger);
 * - the customer's messages open the reply window, kf system events do not (enter_session,
 *   msg_send_fail … do not reset WeCom's 5-message quota);
 * - kf events act inside the inbox transaction (welcome on enter_session, msg_send_fail, WeCom's
 *   session changes, recalls), imported history never acts;
 * - an account whose pipeline is 'human' sends customers straight to the agents' queue;
 * - after each customer message WeCom's session state is brought in step when it is not.
 */
@RegisterPlatformHooks()
@Injectable()
export class KfPlatformHooks implements PlatformHooks {
  readonly platform = KF_PLATFORM;
  readonly sources: KfSyncSource[];
  readonly inbox: InboxHooks;
  private readonly logger = new Logger('KfHooks');

  constructor(sync: KfSyncSource, session: KfSessionService) {
    this.sources = [sync];
    this.inbox = {
      trigger: (message, conversationKey) => {
        const notify = kfNotifyFromEvent(message);
        if (!notify || conversationKey !== `kf:${notify.openKfId}`) return null;
        return { source: KF_SYNC_SOURCE, unit: notify.openKfId, hint: notify.token };
      },
      opensReplyWindow: (message: InboundMessage) => message.type !== 'event',
      inTransaction: async (tx, ctx, message) => {
        if (message.type !== 'event' || ctx.origin === 'history') return null;
        const effects = await session.applyEvent(tx as EntityManager, ctx, message);
        return async () => {
          try {
            await session.afterCommit(effects);
          } catch (err) {
            // The rows are committed; the sweeper queues outbound rows left waiting.
            this.logger.warn(`kf event follow-up failed: ${(err as Error).message}`);
          }
        };
      },
      routeBeforeBot: async (ctx, message) => {
        const openKfId = message.extra?.['open_kfid'];
        if (!openKfId || message.type === 'event') return false;
        return session.routeToHuman(ctx.integrationId, ctx.conversationId, openKfId, ctx.inboxEventId);
      },
      afterCustomerMessage: async (ctx, message) => {
        if (message.type !== 'event') await session.afterCustomerMessage(ctx.conversationId);
      },
    };
  }
}
