import { Injectable, type OnModuleInit } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import type { PlatformDescriptor, PlatformId } from '@imbridge/contracts';
import { checkAdapter, PLATFORM_ADAPTER_METADATA, type PlatformAdapter } from '@imbridge/platform-core';

export class PlatformRegistryError extends Error {
  constructor(problems: string[]) {
    super(`Platform adapters are inconsistent:\n  - ${problems.join('\n  - ')}`);
    this.name = 'PlatformRegistryError';
  }
}

/**
 * Finds every provider marked @RegisterPlatformAdapter() at boot and refuses to start when two claim
 * one platform or a declared capability has no implementation.
 */
@Injectable()
export class PlatformRegistry implements OnModuleInit {
  private readonly adapters = new Map<PlatformId, PlatformAdapter>();

  constructor(private readonly discovery: DiscoveryService) {}

  onModuleInit(): void {
    const found = this.discovery
      .getProviders()
      .filter((w) => w.metatype && w.instance && Reflect.getMetadata(PLATFORM_ADAPTER_METADATA, w.metatype) === true)
      .map((w) => w.instance as PlatformAdapter);
    this.registerAll(found);
  }

  /** All or nothing: on any problem nothing is registered (a duplicate never replaces the first). */
  registerAll(adapters: PlatformAdapter[]): void {
    const problems: string[] = [];
    const ids = new Set(this.adapters.keys());
    for (const adapter of adapters) {
      const id = adapter.descriptor.id;
      if (ids.has(id)) problems.push(`${id}: registered twice`);
      ids.add(id);
      problems.push(...checkAdapter(adapter));
    }
    if (problems.length > 0) throw new PlatformRegistryError(problems);
    for (const adapter of adapters) this.adapters.set(adapter.descriptor.id, adapter);
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

  descriptors(): PlatformDescriptor[] {
    return [...this.adapters.values()].map((a) => a.descriptor);
  }
}
