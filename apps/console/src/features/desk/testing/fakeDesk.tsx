import { act, render, type RenderResult } from '@testing-library/react';
import type { ConversationView, DeskEvent, MessageView, UserView } from '@imbridge/contracts';
import { MemoryRouter } from 'react-router-dom';
import { AppRoutes, ThemedApp } from '../../../App';
import { AuthProvider } from '../../auth/components/AuthProvider';
import { I18nProvider, type Lang } from '../../../i18n';
import { DeskTransportContext, type DeskConnection, type DeskTransport } from '../hooks/deskTransport';

/** A desk connection driven by the test: connect, drop, and push server events. */
export class FakeConnection implements DeskConnection {
  closed = false;
  private connectListeners: (() => void)[] = [];
  private disconnectListeners: (() => void)[] = [];
  private eventListeners: ((event: DeskEvent) => void)[] = [];

  onConnect(listener: () => void): void {
    this.connectListeners.push(listener);
  }
  onDisconnect(listener: () => void): void {
    this.disconnectListeners.push(listener);
  }
  onEvent(listener: (event: DeskEvent) => void): void {
    this.eventListeners.push(listener);
  }
  close(): void {
    this.closed = true;
  }
  fireConnect(): void {
    this.connectListeners.forEach((l) => l());
  }
  fireDisconnect(): void {
    this.disconnectListeners.forEach((l) => l());
  }
  fireEvent(event: DeskEvent): void {
    this.eventListeners.forEach((l) => l(event));
  }
}

/** Hands out FakeConnections and remembers them, so a test can drive the one the app opened. */
export class FakeDesk {
  readonly connections: FakeConnection[] = [];
  readonly transport: DeskTransport = () => {
    const connection = new FakeConnection();
    this.connections.push(connection);
    return connection;
  };

  get current(): FakeConnection {
    const open = this.connections.filter((c) => !c.closed);
    if (open.length === 0) throw new Error('The app opened no desk connection');
    return open[open.length - 1];
  }

  connect(): void {
    act(() => this.current.fireConnect());
  }
  disconnect(): void {
    act(() => this.current.fireDisconnect());
  }
  emit(event: DeskEvent): void {
    act(() => this.current.fireEvent(event));
  }
}

export interface DeskRenderOptions {
  route?: string;
  lang?: Lang;
  user: UserView;
  desk: FakeDesk;
}

/** The whole console like renderApp, with the desk's realtime transport replaced by `desk`. */
export function renderDesk({ route = '/conversations', lang = 'zh', user, desk }: DeskRenderOptions): RenderResult {
  return render(
    <DeskTransportContext.Provider value={desk.transport}>
      <I18nProvider initialLang={lang}>
        <ThemedApp>
          <AuthProvider initialUser={user}>
            <MemoryRouter initialEntries={[route]}>
              <AppRoutes />
            </MemoryRouter>
          </AuthProvider>
        </ThemedApp>
      </I18nProvider>
    </DeskTransportContext.Provider>,
  );
}

export const conversationFixture = (over: Partial<ConversationView> & { id: string }): ConversationView => ({
  integrationId: 'int-1',
  platform: 'wecom',
  state: 'queued',
  contact: { id: `ct-${over.id}`, externalId: `ext-${over.id}`, displayName: null },
  assigneeId: null,
  unreadCount: 0,
  queuedAt: '2025-05-01T08:00:00.000Z',
  lastInboundAt: '2025-05-01T08:00:00.000Z',
  lastMessageAt: '2025-05-01T08:00:00.000Z',
  lastMessagePreview: '转人工',
  createdAt: '2025-05-01T07:59:00.000Z',
  externalServicer: null,
  ...over,
});

export const messageFixture = (over: Partial<MessageView> & { id: string }): MessageView => ({
  conversationId: 'c-1',
  direction: 'in',
  type: 'text',
  text: '你好',
  content: null,
  status: 'received',
  error: null,
  createdAt: '2025-05-01T08:00:00.000Z',
  sentAt: null,
  authorId: null,
  ...over,
});

/** The element matching `selector`, or a throw (so `waitFor(() => need(...))` really waits for it). */
export function need(selector: string): HTMLElement {
  const el = document.querySelector(selector);
  if (!el) throw new Error(`Nothing matches ${selector} yet`);
  return el as HTMLElement;
}
