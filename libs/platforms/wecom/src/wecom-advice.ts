import type { I18nText } from '@imbridge/contracts';
import type { PlatformErrorRecord } from '@imbridge/platform-core';
import { wecomCredentialAdvice } from './wecom.credentials';

/** WeCom errcodes whose "test connection" advice also fits a failed send (doc 90313). */
export const WECOM_SEND_ADVISED_ERRCODES: ReadonlySet<number> = new Set([40013, 40001, 60020, 41002, 41004, 40056, 60011, 48001, 48002]);

/**
 * What an administrator should do about a failed send of the WeCom app (a dead letter): the advice
 * "test connection" gives for the same errcode (60020 names the IP to add to 企业可信IP, 40001 the
 * Secret, 48001 the permission …); null for other codes (the gateway then advises by our code).
 */
export function wecomErrorAdvice(error: PlatformErrorRecord): I18nText | null {
  const platformCode = error.platformCode ?? '';
  const errcode = /^-?\d+$/.test(platformCode) ? Number(platformCode) : NaN;
  return WECOM_SEND_ADVISED_ERRCODES.has(errcode) ? wecomCredentialAdvice(errcode, error.message) : null;
}
