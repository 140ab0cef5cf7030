import { Injectable, type OnModuleInit } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import type { PlatformDescriptor, PlatformId } from '@imbridge/contracts';
import {
  checkAdapter,
  PLATFORM_ADAPTER_METADATA,
  PLATFORM_HOOKS_METADATA,
  type InboundSource,
  type PlatformAdapter,
  type PlatformHooks,
} from '@imbridge/platform-core';

export class PlatformRegistryError extends Error {
  constructor(problems: string[]) {
    super(`Platform adapters are inconsistent:\n  - ${problems.join('\n  - ')}`);
    this.name = 'PlatformRegistryError';
  }
}

/**
 * Finds every provider marked @RegisterPlatformAdapter() (the platform libraries) and
 * @RegisterPlatformHooks() (a platform's hooks into the generic pipeline, in the API) at boot, and
 * refuses to start when two claim one platform, a declared capability has no implementation, or an
 * implemented one is not declared. The generic pipeline asks the registry, never a platform id.
 */
@Injectable()
export class PlatformRegistry implements OnModuleInit {
  private readonly adapters = new Map<PlatformId, PlatformAdapter>();
  private readonly platformHooks = new Map<PlatformId, PlatformHooks>();

  constructor(private readonly discovery: DiscoveryService) {}

  onModuleInit(): void {
    const marked = (key: string) =>
      this.discovery
        .getProviders()
        .filter((w) => w.metatype && w.instance && Reflect.getMetadata(key, w.metatype) === true)
        .map((w) => w.instance as unknown);
    this.registerAll(marked(PLATFORM_ADAPTER_METADATA) as PlatformAdapter[], marked(PLATFORM_HOOKS_METADATA) as PlatformHooks[]);
  }

  /** All or nothing: on any problem nothing is registered (a duplicate never replaces the first). */
  registerAll(adapters: PlatformAdapter[], hooks: PlatformHooks[] = []): void {
    const problems: string[] = [];
    const ids = new Set(this.adapters.keys());
    const hooksById = new Map<PlatformId, PlatformHooks>();
    for (const h of hooks) {
      if (hooksById.has(h.platform) || this.platformHooks.has(h.platform)) problems.push(`${h.platform}: hooks registered twice`);
      else hooksById.set(h.platform, h);
      if (!adapters.some((a) => a.descriptor.id === h.platform)) problems.push(`${h.platform}: hooks without a platform adapter`);
    }
    const sourceNames = new Set([...this.platformHooks.values()].flatMap((h) => (h.sources ?? []).map((s) => s.name)));
    for (const h of hooks) {
      for (const s of h.sources ?? []) {
        if (sourceNames.has(s.name)) problems.push(`${h.platform}: source name '${s.name}' is taken`);
        sourceNames.add(s.name);
      }
    }
    for (const adapter of adapters) {
      const id = adapter.descriptor.id;
      if (ids.has(id)) problems.push(`${id}: registered twice`);
      ids.add(id);
      problems.push(...checkAdapter(adapter, hooksById.get(id), true));
    }
    if (problems.length > 0) throw new PlatformRegistryError(problems);
    for (const adapter of adapters) this.adapters.set(adapter.descriptor.id, adapter);
    for (const [id, h] of hooksById) this.platformHooks.set(id, h);
  }

  get(id: string): PlatformAdapter | undefined {
    return this.adapters.get(id as PlatformId);
  }

  /** Throws when missing: a conversation on an unknown platform is a bug, not a silent drop. */
  require(id: string): PlatformAdapter {
    const adapter = this.get(id);
    if (!adapter) throw new Error(`no platform adapter for '${id}'`);
    return adapter;
  }

  /** The platform's hooks into the generic pipeline; an empty set when it has none. */
  hooks(id: string): PlatformHooks {
    return this.platformHooks.get(id as PlatformId) ?? { platform: id as PlatformId };
  }

  /** Every inbound source that is not an HTTP callback (cursor pulls, long-lived connections). */
  sources(): InboundSource[] {
    return [...this.platformHooks.values()].flatMap((h) => [...(h.sources ?? [])]);
  }

  descriptors(): PlatformDescriptor[] {
    return [...this.adapters.values()].map((a) => a.descriptor);
  }
}
