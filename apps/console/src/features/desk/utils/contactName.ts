import type { ConversationView } from '@imbridge/contracts';

/**
 * What to call the customer: their display name, else their platform id. A 微信客服 contact's id is
 * `<open_kfid>:<external_userid>` (one chat per kf account); the customer is the part after the colon.
 */
export function contactName(c: Pick<ConversationView, 'platform' | 'contact'>): string {
  if (c.contact.displayName) return c.contact.displayName;
  const id = c.contact.externalId;
  if (c.platform === 'wecom-kf') {
    const i = id.indexOf(':');
    if (i > 0 && i < id.length - 1) return id.slice(i + 1);
  }
  return id;
}
