import { Injectable, Logger } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { InboundMessage } from '@imbridge/contracts';
import { readMpConfig } from '@imbridge/platform-mp';
import { IntegrationsService } from '../integrations/integrations.service';
import { OutboundService } from '../outbound/outbound.service';
import { MP_PLATFORM } from './mp-passive.service';

/**
 * 公众号 welcome messages, written by the inbox in the transaction of the subscribe / SCAN event (so
 * a passive reply that waits for the event to be processed finds the welcome already queued):
 * a parameterized QR code's own welcome text wins; otherwise a subscribe gets the account's
 * `welcomeText`. A follower scanning a code without its own text gets nothing.
 */
@Injectable()
export class MpInboxHooks {
  private readonly logger = new Logger('MpInbox');

  constructor(
    private readonly integrations: IntegrationsService,
    private readonly outbound: OutboundService,
  ) {}

  /** Returns the outbound ids to dispatch after the commit. */
  async welcomeInTransaction(m: EntityManager, integrationId: string, conversationId: string, msg: InboundMessage): Promise<string[]> {
    if (msg.type !== 'event') return [];
    const name = msg.event?.name;
    if (name !== 'subscribe' && name !== 'SCAN') return [];
    const integration = await this.integrations.runtime(integrationId);
    if (integration?.platform !== MP_PLATFORM) return [];
    let accountWelcome: string | null;
    try {
      accountWelcome = readMpConfig(integration.config).welcomeText;
    } catch (err) {
      this.logger.warn(`integration ${integrationId}: no welcome, the configuration is unreadable (${(err as Error).message})`);
      return [];
    }
    const scene = msg.extra?.['scene'];
    let text: string | null = null;
    if (scene) {
      const [qr]: { welcome_text: string | null }[] = await m.query('SELECT welcome_text FROM mp_qr_codes WHERE integration_id = $1 AND scene = $2', [integrationId, scene]);
      if (qr?.welcome_text?.trim()) text = qr.welcome_text;
    }
    if (text === null && name === 'subscribe') text = accountWelcome;
    if (!text) return [];
    const { outbound } = await this.outbound.createInTransaction(m, conversationId, { type: 'text', text }, null);
    return [outbound.id];
  }

  async dispatch(conversationId: string, outboundIds: string[]): Promise<void> {
    for (const outboundId of outboundIds) await this.outbound.dispatch({ conversationId, outboundId });
  }
}
