import type { ReplyWindowRule } from './desk';

/** Every platform module imbridge knows. One NestJS module each (see libs/platforms). */
export const PLATFORM_IDS = ['wecom', 'wecom-kf', 'archive', 'mp', 'dingtalk', 'feishu'] as const;
export type PlatformId = (typeof PLATFORM_IDS)[number];

export function isPlatformId(value: string): value is PlatformId {
  return (PLATFORM_IDS as readonly string[]).includes(value);
}

/** Text in both languages the console offers. zh-CN first. */
export interface I18nText {
  zh: string;
  en: string;
}

/**
 * What a platform can do or changes in the generic pipeline; the registry checks at boot that each
 * declared one has an implementation (in the platform's adapter, or its hooks in the API) and that
 * nothing implemented is undeclared. See libs/platforms/core/README.md.
 */
export const PLATFORM_CAPABILITIES = [
  'callback',
  'send',
  'verify-credentials',
  'media-download',
  'inbox-hooks',
  'callback-reply',
  'delivery-policy',
  'reply-window-policy',
  'cursor-pull',
  'connection',
] as const;
export type PlatformCapability = (typeof PLATFORM_CAPABILITIES)[number];

export type CredentialFieldType = 'string' | 'number' | 'url' | 'boolean' | 'select';

/** How the console offers to fill a field with a fresh random value. */
export type GeneratorKind = 'token' | 'encodingAesKey';

/**
 * One configuration field of an integration. The console renders its form from these, and the API
 * validates with the same rules; `secret` fields are encrypted at rest and never sent back.
 */
export interface CredentialField {
  name: string;
  label: I18nText;
  help?: I18nText;
  type: CredentialFieldType;
  required: boolean;
  secret: boolean;
  /** ECMAScript regular expression source the whole value must match (checked as `^(?:…)$`). */
  pattern?: string;
  patternMessage?: I18nText;
  minLength?: number;
  maxLength?: number;
  /** For numbers. */
  min?: number;
  max?: number;
  default?: string | number | boolean;
  options?: { value: string; label: I18nText }[];
  generate?: GeneratorKind;
  /** Shown in an "advanced" section of the form. */
  advanced?: boolean;
  /** A longer text (a welcome message): the console offers a text area. */
  multiline?: boolean;
}

export interface PlatformDescriptor {
  id: PlatformId;
  name: I18nText;
  description: I18nText;
  capabilities: PlatformCapability[];
  fields: CredentialField[];
  /** HTTP methods the platform uses on the callback URL. */
  callbackMethods: ('GET' | 'POST')[];
  /** Default for `replayToleranceSeconds`, no shorter than the platform's retry window. */
  defaultReplayToleranceSeconds: number;
  /**
   * The send budget of an integration whose administrator set none: platform calls per second, shared
   * by every process, within what the platform documents (each platform's descriptor says where the
   * number comes from). An integration's own `sendRatePerSecond` wins; IMBRIDGE_SEND_RATE_PER_SECOND,
   * when the operator sets it, replaces this default for every integration without one.
   */
  defaultSendRatePerSecond: number;
  /** Links to the official docs, shown in the console. */
  docs: { label: I18nText; url: string }[];
  /** How long after the customer's last message replies are allowed; null/absent: no window. */
  replyWindow?: ReplyWindowRule | null;
}

/** The range of an integration's send budget (messages, i.e. platform calls, per second). */
export const SEND_RATE_MIN = 1;
export const SEND_RATE_MAX = 10_000;

/** Field every integration has, whatever the platform: 0 turns the timestamp check off. */
export const REPLAY_TOLERANCE_FIELD = 'replayToleranceSeconds';
