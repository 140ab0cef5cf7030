import { describe, expect, it } from 'vitest';
import { conversationFixture, messageFixture } from '../testing/fakeDesk';
import { applyConversation, applyMessage, belongsTo } from './deskLists';

describe('desk list rules', () => {
  const me = 'u-me';
  it('puts a conversation in the tabs the server would', () => {
    const queued = conversationFixture({ id: 'a' });
    const mine = conversationFixture({ id: 'b', state: 'assigned', assigneeId: me });
    const theirs = conversationFixture({ id: 'c', state: 'assigned', assigneeId: 'u-other' });
    const closedMine = conversationFixture({ id: 'd', state: 'closed', assigneeId: me });
    expect([queued, mine, theirs, closedMine].map((c) => belongsTo('queue', c, me))).toEqual([true, false, false, false]);
    expect([queued, mine, theirs, closedMine].map((c) => belongsTo('mine', c, me))).toEqual([false, true, false, false]);
    expect([queued, mine, theirs, closedMine].every((c) => belongsTo('all', c, me))).toBe(true);
  });

  it('keeps the queue longest-waiting first and other tabs newest first', () => {
    const a = conversationFixture({ id: 'a', queuedAt: '2025-05-01T08:00:00.000Z', lastMessageAt: '2025-05-01T08:00:00.000Z' });
    const b = conversationFixture({ id: 'b', queuedAt: '2025-05-01T07:00:00.000Z', lastMessageAt: '2025-05-01T09:00:00.000Z' });
    expect(applyConversation('queue', [a], b, me).map((c) => c.id)).toEqual(['b', 'a']);
    expect(applyConversation('all', [a], b, me).map((c) => c.id)).toEqual(['b', 'a']);
    expect(applyConversation('queue', [a, b], { ...b, state: 'assigned', assigneeId: me }, me).map((c) => c.id)).toEqual(['a']);
  });

  it('counts a customer message once, not for notes, and not for the open chat', () => {
    const row = conversationFixture({ id: 'a', state: 'assigned', assigneeId: me, unreadCount: 0, lastMessageAt: '2025-05-01T08:00:00.000Z' });
    const msg = messageFixture({ id: 'm', conversationId: 'a', text: 'hi', createdAt: '2025-05-01T08:01:00.000Z' });
    const once = applyMessage([row], 'a', msg);
    expect(once[0].unreadCount).toBe(1);
    expect(applyMessage(once, 'a', msg)[0].unreadCount).toBe(1);
    expect(applyMessage([row], 'a', { ...msg, direction: 'note' })[0]).toBe(row);
    const open = applyMessage([row], 'a', msg, false)[0];
    expect(open.unreadCount).toBe(0);
    expect(open.lastMessagePreview).toBe('hi');
  });
});
