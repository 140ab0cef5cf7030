import type { MessageView } from '@imbridge/contracts';
import { describe, expect, it } from 'vitest';
import { upsert } from './messageList';

const msg = (status: MessageView['status'], id = 'm1'): MessageView => ({
  id,
  conversationId: 'c1',
  direction: 'out',
  type: 'text',
  text: '你好',
  content: null,
  status,
  error: null,
  createdAt: '2026-11-21T10:00:00.000Z',
  sentAt: null,
  authorId: null,
});

describe('message list upsert', () => {
  it('does not move a message back to an earlier status when a stale copy arrives late', () => {
    expect(upsert([msg('held')], msg('queued'))[0]!.status).toBe('held');
    expect(upsert([msg('sent')], msg('sending'))[0]!.status).toBe('sent');
    expect(upsert([msg('queued')], msg('held'))[0]!.status).toBe('held');
  });

  it('applies failures and retries (failed → queued) and adds new messages in time order', () => {
    expect(upsert([msg('sending')], msg('failed'))[0]!.status).toBe('failed');
    expect(upsert([msg('failed')], msg('queued'))[0]!.status).toBe('queued');
    const earlier = { ...msg('sent', 'm0'), createdAt: '2026-11-21T09:00:00.000Z' };
    expect(upsert([msg('queued')], earlier).map((m) => m.id)).toEqual(['m0', 'm1']);
  });
});
