import type { PlatformCapability, PlatformDescriptor } from '@imbridge/contracts';
import type { CallbackHandler } from './callback';
import type { CursorPullSource } from './hooks';
import { checkAdapter, type PlatformAdapter } from './platform-adapter';
import type { CredentialVerifier, Sender } from './sender';

function descriptor(capabilities: PlatformCapability[]): PlatformDescriptor {
  return {
    id: 'wecom',
    name: { zh: '测试', en: 'Test' },
    description: { zh: '测试', en: 'Test' },
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
const credentials: CredentialVerifier = { verify: () => Promise.resolve({ ok: true }) };

describe('checkAdapter', () => {
  it('accepts an adapter whose members match its capabilities', () => {
    expect(checkAdapter({ descriptor: descriptor(['callback', 'send']), callback, sender })).toEqual([]);
    expect(checkAdapter({ descriptor: descriptor(['callback', 'send', 'verify-credentials']), callback, sender, credentials })).toEqual([]);
    expect(checkAdapter({ descriptor: descriptor([]) })).toEqual([]);
  });

  it('reports a default send budget outside 1..10000 or not whole', () => {
    for (const bad of [0, 10_001, 2.5, Number.NaN]) {
      expect(checkAdapter({ descriptor: { ...descriptor([]), defaultSendRatePerSecond: bad } })).toEqual([
        `wecom: defaultSendRatePerSecond must be a whole number 1..10000 (got ${String(bad)})`,
      ]);
    }
  });

  it('reports a declared capability without its member', () => {
    expect(checkAdapter({ descriptor: descriptor(['callback', 'send']), callback })).toEqual([
      "wecom: declares 'send' but has no 'sender'",
    ]);
    expect(checkAdapter({ descriptor: descriptor(['callback', 'verify-credentials']), callback })).toEqual([
      "wecom: declares 'verify-credentials' but has no 'credentials'",
    ]);
    expect(checkAdapter({ descriptor: descriptor(['callback']) })).toEqual(["wecom: declares 'callback' but has no 'callback'"]);
  });

  it('reports a member whose capability is not declared', () => {
    expect(checkAdapter({ descriptor: descriptor(['callback']), callback, sender })).toEqual([
      "wecom: implements 'sender' but does not declare 'send'",
    ]);
    expect(checkAdapter({ descriptor: descriptor([]), callback, credentials })).toEqual([
      "wecom: implements 'callback' but does not declare 'callback'",
      "wecom: implements 'credentials' but does not declare 'verify-credentials'",
    ]);
  });

  it('reports a capability implemented in the API (hooks, sources) that nobody implements', () => {
    expect(checkAdapter({ descriptor: descriptor(['cursor-pull']) }, undefined, true)).toEqual(["wecom: declares 'cursor-pull' but has no 'cursor-pull' source"]);
    expect(checkAdapter({ descriptor: descriptor(['inbox-hooks']) }, { platform: 'wecom' })).toEqual(["wecom: declares 'inbox-hooks' but has no 'hooks.inbox'"]);
    // A lib checking its own adapter alone leaves the API's part out.
    expect(checkAdapter({ descriptor: descriptor(['cursor-pull', 'inbox-hooks']) })).toEqual([]);
  });

  it('checks hooks against the declaration both ways, and the sources they bring', () => {
    const inbox = {};
    const pull: CursorPullSource = { kind: 'cursor-pull', name: 'pull', label: { zh: '拉取', en: 'Pull' }, platform: 'wecom', units: () => Promise.resolve([]), pull: () => Promise.resolve('done') };
    expect(checkAdapter({ descriptor: descriptor(['inbox-hooks', 'cursor-pull']) }, { platform: 'wecom', inbox, sources: [pull] })).toEqual([]);
    expect(checkAdapter({ descriptor: descriptor([]) }, { platform: 'wecom', inbox, sources: [pull] })).toEqual([
      "wecom: implements 'hooks.inbox' but does not declare 'inbox-hooks'",
      "wecom: implements 'cursor-pull' source but does not declare 'cursor-pull'",
    ]);
    expect(checkAdapter({ descriptor: descriptor(['cursor-pull']) }, { platform: 'wecom', sources: [pull, { ...pull, platform: 'mp' }] })).toEqual([
      "wecom: source 'pull' belongs to 'mp'",
      "wecom: two sources named 'pull'",
    ]);
  });

  it('reports every problem at once', () => {
    const adapter: PlatformAdapter = { descriptor: descriptor(['send', 'cursor-pull']), callback };
    expect(checkAdapter(adapter, undefined, true)).toHaveLength(3);
  });
});
