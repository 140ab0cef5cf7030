import type { I18nText } from '@imbridge/contracts';
import type { CallbackRejectReason } from './callback';

/**
 * What an administrator reads when the platform's callbacks fail: per refusal reason, for "nothing
 * arrived yet", and the order of the setup steps in the platform's own admin console. Reasons a
 * platform leaves out get the gateway's generic advice.
 */
export interface CallbackAdvice {
  causes: Partial<Record<CallbackRejectReason, I18nText>>;
  neverReached?: I18nText;
  setupOrder?: { zh: string[]; en: string[] };
}

/** A failed send or platform call, as stored (outbound_messages.last_error). */
export interface PlatformErrorRecord {
  code: string;
  message: string;
  platformCode?: string;
}

/**
 * Optional advice a platform gives in Chinese and English. `error`: what to do about a failure that
 * carries the platform's own code (null: no advice of its own; the gateway then advises by the
 * normalized code).
 */
export interface PlatformAdvice {
  callback?: CallbackAdvice;
  error?(error: PlatformErrorRecord): I18nText | null;
}
