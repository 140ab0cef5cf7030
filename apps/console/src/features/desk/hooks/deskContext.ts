import { createContext, useContext, useEffect, useRef } from 'react';
import type { AgentView, DeskEvent } from '@imbridge/contracts';

export type ChosenPresence = 'online' | 'away';

export interface DeskContextValue {
  /** False outside a signed-in session (no provider mounted). */
  active: boolean;
  connected: boolean;
  /** Bumped on every (re)connect, so views refetch what they may have missed. */
  epoch: number;
  subscribe: (listener: (event: DeskEvent) => void) => () => void;
  presence: ChosenPresence;
  setPresence: (status: ChosenPresence) => Promise<void>;
  agents: AgentView[];
  /** Unread customer messages over the caller's assigned chats. */
  unreadTotal: number;
}

const noop = () => undefined;

export const DeskContext = createContext<DeskContextValue>({
  active: false,
  connected: false,
  epoch: 0,
  subscribe: () => noop,
  presence: 'online',
  setPresence: async () => undefined,
  agents: [],
  unreadTotal: 0,
});

export function useDesk(): DeskContextValue {
  return useContext(DeskContext);
}

/** Calls `listener` (latest version) for every desk event while mounted. */
export function useDeskEvents(listener: (event: DeskEvent) => void): void {
  const { subscribe } = useDesk();
  const ref = useRef(listener);
  ref.current = listener;
  useEffect(() => subscribe((event) => ref.current(event)), [subscribe]);
}
