import { SetMetadata } from '@nestjs/common';
import type { FieldProblem, PlatformDescriptor } from '@imbridge/contracts';
import type { CallbackHandler } from './callback';
import type { CredentialVerifier, Sender } from './sender';

export const PLATFORM_ADAPTER_METADATA = 'imbridge:platform-adapter';

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
  /**
   * Rules across fields that one field cannot declare (e.g. 公众号: EncodingAESKey is required unless
   * plain mode). Called with the whole configuration as it would be saved; secrets that are set but
   * not sent again read as a non-empty placeholder.
   */
  checkConfig?(config: Readonly<Record<string, unknown>>): FieldProblem[];
}

/** Marks a provider as a platform adapter, found by the registry at boot. */
export const RegisterPlatformAdapter = (): ClassDecorator => SetMetadata(PLATFORM_ADAPTER_METADATA, true);

const CAPABILITY_MEMBERS = {
  callback: 'callback',
  send: 'sender',
  'verify-credentials': 'credentials',
  'cursor-pull': undefined,
} as const;

/** Returns the problems with an adapter's declaration; empty when it is consistent. */
export function checkAdapter(adapter: PlatformAdapter): string[] {
  const problems: string[] = [];
  const id = adapter.descriptor.id;
  for (const cap of adapter.descriptor.capabilities) {
    const member = CAPABILITY_MEMBERS[cap];
    if (member === undefined) problems.push(`${id}: capability '${cap}' has no adapter member yet`);
    else if (adapter[member] === undefined) problems.push(`${id}: declares '${cap}' but has no '${member}'`);
  }
  for (const [cap, member] of Object.entries(CAPABILITY_MEMBERS)) {
    if (member && adapter[member] !== undefined && !adapter.descriptor.capabilities.includes(cap as never)) {
      problems.push(`${id}: implements '${member}' but does not declare '${cap}'`);
    }
  }
  return problems;
}
