import { ADMINS_ROOM, AGENTS_ROOM, conversationRooms, messageRooms, userRoom, VIEW_ALL_ROOM } from './desk-rooms';

/** Admins and agents granted every chat hear of every chat. */
const ALL = [ADMINS_ROOM, VIEW_ALL_ROOM];

describe('desk rooms', () => {
  const a = 'aaaaaaaa-0000-0000-0000-000000000001';
  const b = 'bbbbbbbb-0000-0000-0000-000000000002';

  it('a chat with the bot concerns admins (and agents granted every chat) only', () => {
    expect(conversationRooms({ state: 'bot', assigneeId: null })).toEqual([...ALL]);
    expect(messageRooms({ state: 'bot', assigneeId: null })).toEqual([...ALL]);
  });

  it('a queued chat goes to every agent', () => {
    expect(conversationRooms({ state: 'queued', assigneeId: null })).toEqual([...ALL, AGENTS_ROOM]);
    expect(messageRooms({ state: 'queued', assigneeId: null })).toEqual([...ALL, AGENTS_ROOM]);
  });

  it('an assigned chat goes to its assignee; leaving the queue is news for every agent', () => {
    expect(messageRooms({ state: 'assigned', assigneeId: a })).toEqual([...ALL, userRoom(a)]);
    expect(conversationRooms({ state: 'assigned', assigneeId: a })).toEqual([...ALL, userRoom(a)]);
    expect(conversationRooms({ state: 'assigned', assigneeId: a }, { previousState: 'queued', previousAssigneeId: null })).toEqual([...ALL, AGENTS_ROOM, userRoom(a)]);
  });

  it('the previous assignee hears of the change that takes the chat away', () => {
    expect(conversationRooms({ state: 'assigned', assigneeId: b }, { previousState: 'assigned', previousAssigneeId: a })).toEqual([...ALL, userRoom(b), userRoom(a)]);
    expect(conversationRooms({ state: 'closed', assigneeId: a }, { previousState: 'assigned', previousAssigneeId: a })).toEqual([...ALL, userRoom(a)]);
    expect(conversationRooms({ state: 'bot', assigneeId: null }, { previousState: 'closed', previousAssigneeId: a })).toEqual([...ALL, userRoom(a)]);
  });

  it('messages of a closed chat reach admins and the agent who had it (end message, late delivery statuses)', () => {
    expect(messageRooms({ state: 'closed', assigneeId: a })).toEqual([...ALL, userRoom(a)]);
    expect(messageRooms({ state: 'closed', assigneeId: null })).toEqual([...ALL]);
  });
});
