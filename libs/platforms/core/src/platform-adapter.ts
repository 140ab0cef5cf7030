import { SetMetadata } from '@nestjs/common';
import { type FieldProblem, type PlatformCapability, type PlatformDescriptor, SEND_RATE_MAX, SEND_RATE_MIN } from '@imbridge/contracts';
import type { PlatformAdvice } from './advice';
import type { CallbackHandler } from './callback';
import type { PlatformHooks } from './hooks';
import type { MediaDownloader } from './media';
import type { CredentialVerifier, Sender } from './sender';

export const PLATFORM_ADAPTER_METADATA = 'imbridge:platform-adapter';
export const PLATFORM_HOOKS_METADATA = 'imbridge:platform-hooks';

/**
 * One per platform module. The descriptor declares capabilities; the registry refuses to boot when a
 * declared capability has no implementation, an implementation is not declared, or two adapters
 * claim one platform id.
 */
export interface PlatformAdapter {
  readonly descriptor: PlatformDescriptor;
  readonly callback?: CallbackHandler;
  readonly sender?: Sender;
  readonly credentials?: CredentialVerifier;
  readonly media?: MediaDownloader;
  /** Callback-setup and error advice in the platform's own words (optional; generic advice otherwise). */
  readonly advice?: PlatformAdvice;
  /**
   * Rules across fields that one field cannot declare (e.g. 公众号: EncodingAESKey is required unless
   * plain mode). Called with the whole configuration as it would be saved; secrets that are set but
   * not sent again read as a non-empty placeholder.
   */
  checkConfig?(config: Readonly<Record<string, unknown>>): FieldProblem[];
}

/** Marks a provider as a platform adapter, found by the registry at boot. */
export const RegisterPlatformAdapter = (): ClassDecorator => SetMetadata(PLATFORM_ADAPTER_METADATA, true);

/** Marks a provider as a platform's hooks into the generic pipeline (PlatformHooks), found by the registry at boot. */
export const RegisterPlatformHooks = (): ClassDecorator => SetMetadata(PLATFORM_HOOKS_METADATA, true);

type AdapterMember = 'callback' | 'sender' | 'credentials' | 'media';
type HooksMember = 'inbox' | 'callbackReplies' | 'delivery' | 'replyWindow';

/** Where each capability is implemented: a member of the adapter (the platform lib), of the hooks (the API), or a kind of inbound source. */
const IMPLEMENTED_BY: Record<PlatformCapability, { adapter: AdapterMember } | { hooks: HooksMember } | { source: 'cursor-pull' | 'connection' }> = {
  callback: { adapter: 'callback' },
  send: { adapter: 'sender' },
  'verify-credentials': { adapter: 'credentials' },
  'media-download': { adapter: 'media' },
  'inbox-hooks': { hooks: 'inbox' },
  'callback-reply': { hooks: 'callbackReplies' },
  'delivery-policy': { hooks: 'delivery' },
  'reply-window-policy': { hooks: 'replyWindow' },
  'cursor-pull': { source: 'cursor-pull' },
  connection: { source: 'connection' },
};

function implemented(cap: PlatformCapability, adapter: PlatformAdapter, hooks: PlatformHooks | undefined): boolean {
  const where = IMPLEMENTED_BY[cap];
  if ('adapter' in where) return adapter[where.adapter] !== undefined;
  if ('hooks' in where) return hooks?.[where.hooks] !== undefined;
  return (hooks?.sources ?? []).some((s) => s.kind === where.source);
}

function memberName(cap: PlatformCapability): string {
  const where = IMPLEMENTED_BY[cap];
  if ('adapter' in where) return `'${where.adapter}'`;
  if ('hooks' in where) return `'hooks.${where.hooks}'`;
  return `'${where.source}' source`;
}

/**
 * Returns the problems with a platform's declaration; empty when it is consistent. `hooks`: the
 * platform's PlatformHooks provider, when it has one. Without `hooks` given at all (`checkHooks`
 * false), capabilities implemented by hooks are not checked (a lib's own test of its adapter).
 */
export function checkAdapter(adapter: PlatformAdapter, hooks?: PlatformHooks, checkHooks = hooks !== undefined): string[] {
  const problems: string[] = [];
  const id = adapter.descriptor.id;
  const declared = new Set(adapter.descriptor.capabilities);
  for (const cap of Object.keys(IMPLEMENTED_BY) as PlatformCapability[]) {
    const byHooks = !('adapter' in IMPLEMENTED_BY[cap]);
    if (byHooks && !checkHooks) continue;
    const has = implemented(cap, adapter, hooks);
    if (declared.has(cap) && !has) problems.push(`${id}: declares '${cap}' but has no ${memberName(cap)}`);
    if (!declared.has(cap) && has) problems.push(`${id}: implements ${memberName(cap)} but does not declare '${cap}'`);
  }
  const rate = adapter.descriptor.defaultSendRatePerSecond;
  if (!Number.isInteger(rate) || rate < SEND_RATE_MIN || rate > SEND_RATE_MAX) {
    problems.push(`${id}: defaultSendRatePerSecond must be a whole number ${SEND_RATE_MIN}..${SEND_RATE_MAX} (got ${String(rate)})`);
  }
  const names = new Set<string>();
  for (const source of hooks?.sources ?? []) {
    if (source.platform !== id) problems.push(`${id}: source '${source.name}' belongs to '${source.platform}'`);
    if (names.has(source.name)) problems.push(`${id}: two sources named '${source.name}'`);
    names.add(source.name);
  }
  return problems;
}
