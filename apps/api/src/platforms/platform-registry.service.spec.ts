import 'reflect-metadata';
import { Injectable, Module, type INestApplicationContext } from '@nestjs/common';
import { DiscoveryModule, DiscoveryService, NestFactory } from '@nestjs/core';
import type { PlatformCapability, PlatformDescriptor, PlatformId } from '@imbridge/contracts';
import { RegisterPlatformAdapter, RegisterPlatformHooks, type CallbackHandler, type CursorPullSource, type PlatformAdapter, type PlatformHooks, type Sender } from '@imbridge/platform-core';
import { WecomAdapter, WecomModule } from '@imbridge/platform-wecom';
import { PlatformRegistry, PlatformRegistryError } from './platform-registry.service';

function descriptor(id: PlatformId, capabilities: PlatformCapability[]): PlatformDescriptor {
  return {
    id,
    name: { zh: id, en: id },
    description: { zh: id, en: id },
    capabilities,
    fields: [],
    callbackMethods: ['POST'],
    defaultReplayToleranceSeconds: 600,
    defaultSendRatePerSecond: 30,
    docs: [],
  };
}

const callback: CallbackHandler = {
  handle: () => ({ kind: 'reply', reply: { status: 200, contentType: 'text/plain', body: '' }, diagnostic: 'test' }),
};
const sender: Sender = { send: () => Promise.resolve({ platformMessageIds: [], parts: 1 }) };

function adapter(id: PlatformId, capabilities: PlatformCapability[], members: Partial<PlatformAdapter> = {}): PlatformAdapter {
  return { descriptor: descriptor(id, capabilities), ...members };
}

function registryError(fn: () => void): PlatformRegistryError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(PlatformRegistryError);
    return err as PlatformRegistryError;
  }
  throw new Error('expected a PlatformRegistryError, nothing was thrown');
}

@Module({ imports: [DiscoveryModule] })
class DiscoveryOnlyModule {}

describe('PlatformRegistry', () => {
  let discovery: DiscoveryService;
  let context: INestApplicationContext;

  beforeAll(async () => {
    context = await NestFactory.createApplicationContext(DiscoveryOnlyModule, { logger: false });
    discovery = context.get(DiscoveryService);
  });

  afterAll(async () => {
    await context.close();
  });

  describe('registerAll', () => {
    it('registers consistent adapters', () => {
      const registry = new PlatformRegistry(discovery);
      const wecom = adapter('wecom', ['callback', 'send'], { callback, sender });
      const feishu = adapter('feishu', ['callback'], { callback });
      registry.registerAll([wecom, feishu]);
      expect(registry.get('wecom')).toBe(wecom);
      expect(registry.require('feishu')).toBe(feishu);
      expect(registry.descriptors().map((d) => d.id)).toEqual(['wecom', 'feishu']);
    });

    it('refuses two adapters for one platform, and keeps neither', () => {
      const registry = new PlatformRegistry(discovery);
      const first = adapter('wecom', ['callback'], { callback });
      const second = adapter('wecom', ['callback'], { callback });
      const err = registryError(() => registry.registerAll([first, second]));
      expect(err.message).toContain('wecom: registered twice');
      expect(registry.get('wecom')).toBeUndefined();
      expect(registry.descriptors()).toEqual([]);
    });

    it('refuses an adapter for a platform registered by an earlier call', () => {
      const registry = new PlatformRegistry(discovery);
      const first = adapter('wecom', ['callback'], { callback });
      registry.registerAll([first]);
      const err = registryError(() => registry.registerAll([adapter('wecom', ['callback'], { callback })]));
      expect(err.message).toContain('wecom: registered twice');
      expect(registry.get('wecom')).toBe(first);
    });

    it('refuses a declared capability without its implementation', () => {
      const registry = new PlatformRegistry(discovery);
      const err = registryError(() => registry.registerAll([adapter('dingtalk', ['callback', 'send'], { callback })]));
      expect(err.message).toContain("dingtalk: declares 'send' but has no 'sender'");
      expect(registry.get('dingtalk')).toBeUndefined();
    });

    it('refuses an implementation that is not declared', () => {
      const registry = new PlatformRegistry(discovery);
      const err = registryError(() => registry.registerAll([adapter('mp', ['callback'], { callback, sender })]));
      expect(err.message).toContain("mp: implements 'sender' but does not declare 'send'");
    });

    it('lists every problem, and registers none of the adapters', () => {
      const registry = new PlatformRegistry(discovery);
      const good = adapter('feishu', ['callback'], { callback });
      const err = registryError(() =>
        registry.registerAll([good, adapter('mp', ['send']), adapter('mp', ['callback'], { callback }), adapter('archive', ['cursor-pull'])]),
      );
      expect(err.message.split('\n').slice(1)).toEqual([
        "  - mp: declares 'send' but has no 'sender'",
        '  - mp: registered twice',
        "  - archive: declares 'cursor-pull' but has no 'cursor-pull' source",
      ]);
      expect(registry.get('feishu')).toBeUndefined();
    });
  });

  describe('hooks', () => {
    const source = (platform: PlatformId, name = `${platform}:pull`): CursorPullSource => ({
      kind: 'cursor-pull',
      name,
      label: { zh: name, en: name },
      platform,
      units: () => Promise.resolve([]),
      pull: () => Promise.resolve('done'),
    });

    it('registers a platform with its hooks; hooks() and sources() answer for it, and an empty set for others', () => {
      const registry = new PlatformRegistry(discovery);
      const inbox = {};
      registry.registerAll([adapter('archive', ['inbox-hooks', 'cursor-pull']), adapter('wecom', ['callback'], { callback })], [
        { platform: 'archive', inbox, sources: [source('archive')] },
      ]);
      expect(registry.hooks('archive').inbox).toBe(inbox);
      expect(registry.sources().map((s) => s.name)).toEqual(['archive:pull']);
      expect(registry.hooks('wecom')).toEqual({ platform: 'wecom' });
      expect(registry.hooks('nope')).toEqual({ platform: 'nope' });
    });

    it('refuses hooks without an adapter, twice for one platform, a source name taken twice, and hooks the descriptor does not declare', () => {
      const registry = new PlatformRegistry(discovery);
      const err = registryError(() =>
        registry.registerAll(
          [adapter('archive', ['cursor-pull']), adapter('feishu', ['connection'])],
          [
            { platform: 'archive', sources: [source('archive', 'shared')] },
            { platform: 'archive', inbox: {} },
            { platform: 'feishu', inbox: {}, sources: [source('feishu', 'shared')] },
            { platform: 'dingtalk', inbox: {} },
          ],
        ),
      );
      expect(err.message.split('\n').slice(1)).toEqual([
        '  - archive: hooks registered twice',
        '  - dingtalk: hooks without a platform adapter',
        "  - feishu: source name 'shared' is taken",
        "  - feishu: implements 'hooks.inbox' but does not declare 'inbox-hooks'",
        "  - feishu: implements 'cursor-pull' source but does not declare 'cursor-pull'",
        "  - feishu: declares 'connection' but has no 'connection' source",
      ]);
      expect(registry.get('archive')).toBeUndefined();
      expect(registry.sources()).toEqual([]);
    });

    it('refuses to boot a platform module whose hooks are missing', async () => {
      @RegisterPlatformAdapter()
      @Injectable()
      class PullingAdapter implements PlatformAdapter {
        readonly descriptor = descriptor('archive', ['cursor-pull']);
      }
      @Module({ imports: [DiscoveryModule], providers: [PlatformRegistry, PullingAdapter] })
      class NoHooksModule {}
      await expect(NestFactory.createApplicationContext(NoHooksModule, { logger: false, abortOnError: false })).rejects.toThrow(
        "archive: declares 'cursor-pull' but has no 'cursor-pull' source",
      );

      @RegisterPlatformHooks()
      @Injectable()
      class PullingHooks implements PlatformHooks {
        readonly platform = 'archive' as const;
        readonly sources = [source('archive')];
      }
      @Module({ imports: [DiscoveryModule], providers: [PlatformRegistry, PullingAdapter, PullingHooks] })
      class WithHooksModule {}
      const app = await NestFactory.createApplicationContext(WithHooksModule, { logger: false });
      try {
        expect(app.get(PlatformRegistry).sources().map((s) => s.name)).toEqual(['archive:pull']);
      } finally {
        await app.close();
      }
    });
  });

  describe('get / require', () => {
    it('returns undefined for an unknown platform, and require throws', () => {
      const registry = new PlatformRegistry(discovery);
      expect(registry.get('wecom')).toBeUndefined();
      expect(registry.get('nope')).toBeUndefined();
      expect(() => registry.require('nope')).toThrow("no platform adapter for 'nope'");
    });
  });

  describe('discovery at boot', () => {
    it('finds the adapters marked @RegisterPlatformAdapter()', async () => {
      @Module({ imports: [DiscoveryModule, WecomModule], providers: [PlatformRegistry] })
      class BootModule {}
      const app = await NestFactory.createApplicationContext(BootModule, { logger: false });
      try {
        const registry = app.get(PlatformRegistry);
        expect(registry.require('wecom')).toBeInstanceOf(WecomAdapter);
        expect(registry.descriptors().map((d) => d.id)).toEqual(['wecom']);
      } finally {
        await app.close();
      }
    });

    it('refuses to boot when two providers claim one platform', async () => {
      @RegisterPlatformAdapter()
      @Injectable()
      class SecondWecomAdapter implements PlatformAdapter {
        readonly descriptor = descriptor('wecom', ['callback']);
        readonly callback = callback;
      }
      @Module({ imports: [DiscoveryModule, WecomModule], providers: [PlatformRegistry, SecondWecomAdapter] })
      class DuplicateModule {}
      await expect(NestFactory.createApplicationContext(DuplicateModule, { logger: false, abortOnError: false })).rejects.toThrow(
        'wecom: registered twice',
      );
    });

    it('refuses to boot with an inconsistent adapter', async () => {
      @RegisterPlatformAdapter()
      @Injectable()
      class BrokenAdapter implements PlatformAdapter {
        readonly descriptor = descriptor('feishu', ['callback', 'send']);
        readonly callback = callback;
      }
      @Module({ imports: [DiscoveryModule], providers: [PlatformRegistry, BrokenAdapter] })
      class BrokenModule {}
      await expect(NestFactory.createApplicationContext(BrokenModule, { logger: false, abortOnError: false })).rejects.toThrow(
        "feishu: declares 'send' but has no 'sender'",
      );
    });
  });
});
