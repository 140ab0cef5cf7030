import { createContext } from 'react';
import { DESK_EVENT, DESK_SOCKET_PATH, type DeskEvent } from '@imbridge/contracts';
import { io } from 'socket.io-client';

/** What the desk needs from a realtime connection; socket.io in the browser, a fake in unit tests. */
export interface DeskConnection {
  onConnect(listener: () => void): void;
  onDisconnect(listener: () => void): void;
  onEvent(listener: (event: DeskEvent) => void): void;
  close(): void;
}

export type DeskTransport = () => DeskConnection;

/** socket.io on the API's own origin; the session cookie authenticates the handshake. */
export const socketIoTransport: DeskTransport = () => {
  const socket = io({ path: DESK_SOCKET_PATH, withCredentials: true, reconnectionDelayMax: 10_000 });
  return {
    onConnect: (listener) => void socket.on('connect', listener),
    onDisconnect: (listener) => void socket.on('disconnect', listener),
    onEvent: (listener) => void socket.on(DESK_EVENT, listener),
    close: () => void socket.close(),
  };
};

/** Which transport the desk provider opens; tests provide a fake one here instead of mocking modules. */
export const DeskTransportContext = createContext<DeskTransport>(socketIoTransport);
